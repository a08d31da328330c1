/**
 * Creates (or brings up to date) slipway's SNS topics, SQS queues, dead-letter queues and
 * subscriptions on LocalStack or fauxqs, from the one topology in `functions/platform/events`.
 *
 * @example
 * AWS_ENDPOINT_URL=http://localhost:4566 node --import tsx localstack/create-topology.ts
 * BUS_NAMESPACE=slipway-alice AWS_ENDPOINT_URL=http://localhost:4566 node --import tsx localstack/create-topology.ts
 *
 * BUS_NAMESPACE and BUS_MAX_RECEIVE_COUNT mean what they mean to the services (busConfig), so
 * the same environment creates the topology and runs against it.
 */
import * as v from "valibot";
import { busConfig } from "../functions/platform/bus/config.js";
import { createSnsSqsClients } from "../functions/platform/bus/sns-sqs/clients.js";
import { ensureSnsSqsTopology } from "../functions/platform/bus/sns-sqs/ensure-topology.js";
import { ConfigError, httpUrl, loadConfig } from "../functions/platform/config.js";

const Environment = v.object({
  AWS_ENDPOINT_URL: v.optional(httpUrl),
  BUS_NAMESPACE: busConfig.BUS_NAMESPACE,
  BUS_MAX_RECEIVE_COUNT: busConfig.BUS_MAX_RECEIVE_COUNT,
  AWS_ACCESS_KEY_ID: v.optional(v.string()),
});

try {
  const env = loadConfig(Environment);
  // Without an endpoint the SDK would create these resources in a real AWS account.
  if (!env.AWS_ENDPOINT_URL) {
    throw new ConfigError([
      "AWS_ENDPOINT_URL: set it to LocalStack or fauxqs, e.g. http://localhost:4566",
    ]);
  }
  const clients = createSnsSqsClients({
    // Emulators accept any key; a shell with real credentials keeps them.
    ...(env.AWS_ACCESS_KEY_ID
      ? {}
      : { credentials: { accessKeyId: "test", secretAccessKey: "test" } }),
  });
  const created = await ensureSnsSqsTopology(clients, {
    namespace: env.BUS_NAMESPACE,
    maxReceiveCount: env.BUS_MAX_RECEIVE_COUNT,
  });
  console.log(`SNS/SQS topology "${env.BUS_NAMESPACE}" on ${env.AWS_ENDPOINT_URL}`);
  for (const [service, topic] of Object.entries(created.topics)) {
    console.log(`  topic  ${topic.name}  (published by ${service})  ${topic.arn}`);
  }
  for (const queue of Object.values(created.queues)) {
    console.log(`  queue  ${queue.name}  ${queue.url}`);
    console.log(`  dlq    ${queue.deadLetter.name}  ${queue.deadLetter.url}`);
  }
  for (const subscription of created.subscriptions) {
    const types = subscription.types.join(", ");
    console.log(`  subscription  ${subscription.service} → ${subscription.queue}: ${types}`);
  }
  clients.sns.destroy();
  clients.sqs.destroy();
} catch (error) {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exitCode = 1;
}
