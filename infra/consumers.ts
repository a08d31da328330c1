// Each consuming service's event consumer: its queue invokes `functions/<service>/consumer`
// with SQS batches, and the handler reports partial batch failures so only failed records are
// retried (then dead-lettered). Same VPC, database role, links and calls as the service's API.
import { topology } from "../functions/platform/events/topology.js";
import { consumerTimeoutSeconds, deadLetterQueues, queues } from "./events.js";
import { serviceFunction } from "./service-function.js";
import { serviceWiring } from "./service-wiring.js";

for (const service of Object.keys(topology.subscriptions) as (keyof typeof queues)[]) {
  queues[service].subscribe(
    serviceFunction(service, "consumer", {
      memory: "512 MB",
      timeout: `${consumerTimeoutSeconds} seconds`,
      ...serviceWiring[service],
      // Its dead-letter queue too: a record that can never succeed is sent there at once.
      consumes: [queues[service], deadLetterQueues[service]],
    }),
    { batch: { partialResponses: true } },
  );
}
