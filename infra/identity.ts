// The identity service: users and the OAuth 2.0 authorization server, one Lambda in the VPC (it
// reaches Postgres through the RDS proxy), served on a function URL that only the gateway calls
// (its Connect API, OAuth endpoints and JWKS).
import { api } from "./api.js";
import { database, vpc } from "./database.js";
import { identityKeySecret, internalTokenSecret } from "./secrets.js";

export const identityApi = new sst.aws.Function("IdentityApi", {
  handler: "functions/identity/lambda.handler",
  runtime: "nodejs20.x",
  architecture: "arm64",
  // scrypt (passwords) wants memory and the CPU Lambda gives with it.
  memory: "1024 MB",
  timeout: "10 seconds",
  vpc,
  link: [database, identityKeySecret, internalTokenSecret],
  // Open for now, like catalog's; the deploy issue switches both to IAM auth.
  url: true,
  environment: {
    SERVICE_NAME: "identity",
    DATABASE_URL: $interpolate`postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`,
    IDENTITY_KEY_SECRET: identityKeySecret.value,
    INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
    // Tokens name the public API as their issuer: clients reach identity only through it.
    TOKEN_ISSUER: api.url,
  },
});
