// The payments service's Connect API: one Lambda in the VPC (Postgres through the RDS proxy) on
// a function URL. Payments are made by its event consumer (consumers.ts).
import { database, vpc } from "./database.js";
import { busEnvironment, busPermissions, topics } from "./events.js";
import { internalTokenSecret } from "./secrets.js";

export const paymentsApi = new sst.aws.Function("PaymentsApi", {
  handler: "functions/payments/lambda.handler",
  runtime: "nodejs20.x",
  architecture: "arm64",
  memory: "512 MB",
  timeout: "10 seconds",
  vpc,
  link: [database, topics.payments, internalTokenSecret],
  permissions: busPermissions,
  url: true,
  environment: {
    SERVICE_NAME: "payments",
    DATABASE_URL: $interpolate`postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`,
    INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
    // Its outbox publishes to its topic.
    ...busEnvironment,
  },
});
