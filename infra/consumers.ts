// Each consuming service's event consumer: its queue invokes `functions/<service>/consumer`
// with SQS batches, and the handler reports partial batch failures so only failed records are
// retried (then dead-lettered). Same VPC, database role, links and calls as the service's API.

import { catalogLinks } from "../functions/catalog/links.js";
import { ordersLinks } from "../functions/orders/links.js";
import { paymentsLinks } from "../functions/payments/links.js";
import { topology } from "../functions/platform/events/topology.js";
import type { Links } from "../functions/platform/linked-config.js";
import { catalogApi } from "./catalog.js";
import { consumerTimeoutSeconds, deadLetterQueues, queues, topics } from "./events.js";
import { serviceFunction } from "./service-function.js";

type Consumer = keyof typeof topology.subscriptions;

const consumers: Record<Consumer, { links: Links; calls?: { arn: unknown }[] }> = {
  catalog: { links: catalogLinks },
  // Orders' config reads catalog's URL (PlaceOrder prices there); its consumer shares it.
  orders: { links: ordersLinks, calls: [catalogApi] },
  payments: { links: paymentsLinks },
};

for (const service of Object.keys(topology.subscriptions) as Consumer[]) {
  const { links, calls } = consumers[service];
  queues[service].subscribe(
    serviceFunction(service, "consumer", {
      memory: "512 MB",
      timeout: `${consumerTimeoutSeconds} seconds`,
      links,
      publishesTo: service in topics ? topics[service as keyof typeof topics] : undefined,
      // Its dead-letter queue too: a record that can never succeed is sent there at once.
      consumes: [queues[service], deadLetterQueues[service]],
      ...(calls ? { calls } : {}),
    }),
    { batch: { partialResponses: true } },
  );
}
