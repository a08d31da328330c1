// The catalog service's Connect API: one Lambda in the VPC (it reaches Postgres through the RDS
// proxy as its own role), on a function URL with IAM auth that the gateway and orders call,
// signing with SigV4.
import { catalogLinks } from "../functions/catalog/links.js";
import { topics } from "./events.js";
import { serviceApi } from "./service-function.js";

export const catalogApi = serviceApi("catalog", {
  memory: "512 MB",
  timeout: "10 seconds",
  links: catalogLinks,
  publishesTo: topics.catalog,
});
