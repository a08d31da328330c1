// The identity service: users and the OAuth 2.0 authorization server, one Lambda in the VPC (it
// reaches Postgres through the RDS proxy as its own role), on a function URL with IAM auth that
// only the gateway calls (its Connect API, OAuth endpoints and JWKS).
import { identityLinks } from "../functions/identity/links.js";
import { serviceApi } from "./service-function.js";

export const identityApi = serviceApi("identity", {
  // scrypt (passwords) wants memory and the CPU Lambda gives with it.
  memory: "1024 MB",
  timeout: "10 seconds",
  links: identityLinks,
});
