/**
 * The SNS → SQS adapter of the bus port: topology setup, publisher, long-poll subscriber,
 * Lambda SQS handler and dead-letter operations.
 *
 * @example
 * import { createSnsSqsClients, createSnsSqsPublisher } from "../platform/bus/sns-sqs/index.js";
 * const publisher = createSnsSqsPublisher({ sns: createSnsSqsClients().sns, namespace: "slipway-dev" });
 */
export { createSnsSqsClients, type SnsSqsClientOptions, type SnsSqsClients } from "./clients.js";
export {
  createSnsSqsDeadLetterQueue,
  type SnsSqsDeadLetterQueueOptions,
} from "./dead-letter-queue.js";
export {
  type EnsuredTopology,
  ensureSnsSqsTopology,
  type SnsSqsTopologyOptions,
} from "./ensure-topology.js";
export { defaultRetryDelay, type RetryDelay } from "./failure.js";
export { type BusTopology, snsSqsNames } from "./names.js";
export { createSnsSqsPublisher, type SnsSqsPublisherOptions } from "./publisher.js";
export { type SqsEventHandlerOptions, sqsEventHandler } from "./sqs-event-handler.js";
export { createSnsSqsSubscriber, type SnsSqsSubscriberOptions } from "./subscriber.js";
