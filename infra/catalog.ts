// The catalog service's Connect API: one Lambda in the VPC (it reaches Postgres through the RDS
// proxy), served on a function URL that the gateway calls.
import { database, vpc } from "./database.js";
import { busEnvironment, busPermissions, topics } from "./events.js";
import { internalTokenSecret } from "./secrets.js";

export const catalogApi = new sst.aws.Function("CatalogApi", {
  handler: "functions/catalog/lambda.handler",
  runtime: "nodejs20.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "10 seconds",
  vpc,
  link: [database, topics.catalog, internalTokenSecret],
  permissions: busPermissions,
  // Open for the walking skeleton; a later issue switches it to IAM auth, with the gateway
  // signing its calls with SigV4.
  url: true,
  environment: {
    SERVICE_NAME: "catalog",
    // The code reads one connection string for now; a later issue reads the linked database
    // through `Resource` in the platform kit and drops this variable.
    DATABASE_URL: $interpolate`postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`,
    INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
    // Its outbox publishes to its topic.
    ...busEnvironment,
  },
});
