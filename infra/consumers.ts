// Each consuming service's event consumer: its queue invokes `functions/<service>/consumer`
// with SQS batches, and the handler reports partial batch failures so only failed records are
// retried (then dead-lettered). Same VPC, database and credentials as the service's API.
import { topology } from "../functions/platform/events/topology.js";
import { catalogApi } from "./catalog.js";
import { database, vpc } from "./database.js";
import {
  busEnvironment,
  busPermissions,
  consumerTimeoutSeconds,
  deadLetterQueues,
  queues,
  topics,
} from "./events.js";
import { internalTokenSecret } from "./secrets.js";

// What one service's consumer needs besides the shared environment.
const extraEnvironment: Record<string, Record<string, unknown>> = {
  // Orders' config reads catalog's URL (PlaceOrder prices there); the consumer shares it.
  orders: { CATALOG_URL: catalogApi.url },
};

for (const service of Object.keys(topology.subscriptions) as (keyof typeof queues)[]) {
  const topic = service in topics ? topics[service as keyof typeof topics] : undefined;
  queues[service].subscribe(
    {
      handler: `functions/${service}/consumer.handler`,
      runtime: "nodejs20.x",
      architecture: "arm64",
      memory: "512 MB",
      timeout: `${consumerTimeoutSeconds} seconds`,
      vpc,
      // Its dead-letter queue too: a record that can never succeed is sent there at once.
      link: [
        database,
        queues[service],
        deadLetterQueues[service],
        ...(topic ? [topic] : []),
        internalTokenSecret,
      ],
      permissions: busPermissions,
      environment: {
        SERVICE_NAME: service,
        DATABASE_URL: $interpolate`postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`,
        INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
        ...busEnvironment,
        ...(extraEnvironment[service] as Record<string, string> | undefined),
      },
    },
    { batch: { partialResponses: true } },
  );
}
