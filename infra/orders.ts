// The orders service's Connect API: one Lambda in the VPC (Postgres through the RDS proxy) on a
// function URL the gateway calls; it prices orders by calling catalog's URL. Its event consumer
// is in consumers.ts.
import { catalogApi } from "./catalog.js";
import { database, vpc } from "./database.js";
import { busEnvironment, busPermissions, topics } from "./events.js";
import { internalTokenSecret } from "./secrets.js";

export const ordersApi = new sst.aws.Function("OrdersApi", {
  handler: "functions/orders/lambda.handler",
  runtime: "nodejs20.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "10 seconds",
  vpc,
  link: [database, topics.orders, internalTokenSecret],
  permissions: busPermissions,
  url: true,
  environment: {
    SERVICE_NAME: "orders",
    DATABASE_URL: $interpolate`postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`,
    INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
    // Its outbox publishes to its topic.
    ...busEnvironment,
    CATALOG_URL: catalogApi.url,
  },
});
