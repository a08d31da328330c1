// The event bus in the cloud, derived from the one topology (functions/platform/events/
// topology.ts): an SNS topic per publishing service, an SQS queue with its own dead-letter queue
// per consuming service, and one raw-delivery subscription per (topic, queue) pair that share
// types, filtered on the CloudEvents `type` message attribute. Names and subscription attributes
// match what the sns-sqs adapter creates locally (names.ts, subscriptions.ts), so the code finds
// the same resources by name in both places.
import * as v from "valibot";
import { busConfig } from "../functions/platform/bus/config.js";
import { topology } from "../functions/platform/events/topology.js";
import { componentPrefix } from "./linkables.js";

/** Prefix of every topic and queue name; the code reads it as BUS_NAMESPACE. */
export const busNamespace = `${$app.name}-${$app.stage}`.toLowerCase();

// Refuse at deploy time a stage whose names the functions would refuse at their first start.
const checked = v.safeParse(busConfig.BUS_NAMESPACE, busNamespace);
if (!checked.success) {
  throw new Error(
    `stage "${$app.stage}" gives the bus namespace "${busNamespace}", which ${checked.issues[0]?.message}: use a shorter stage name of letters, digits and -`,
  );
}

// Deliveries before SQS moves a message to the DLQ: the adapter's default (BUS_MAX_RECEIVE_COUNT).
const MAX_RECEIVE_COUNT = 5;

/** The consumers' timeout; the queues' visibility timeout is 6 × it, as AWS advises for Lambda. */
export const consumerTimeoutSeconds = 30;

type Publisher = keyof typeof topology.publishers;
type Consumer = keyof typeof topology.subscriptions;

export const topics = Object.fromEntries(
  Object.keys(topology.publishers).map((service) => [
    service,
    new sst.aws.SnsTopic(`${componentPrefix(service)}Events`, {
      transform: { topic: { name: `${busNamespace}-${service}-events` } },
    }),
  ]),
) as Record<Publisher, sst.aws.SnsTopic>;

export const deadLetterQueues = {} as Record<Consumer, sst.aws.Queue>;
export const queues = {} as Record<Consumer, sst.aws.Queue>;

for (const queue of Object.keys(topology.subscriptions) as Consumer[]) {
  const deadLetter = new sst.aws.Queue(`${componentPrefix(queue)}DeadLetterQueue`, {
    transform: {
      // A dead letter waits for a human: kept as long as SQS allows (14 days).
      queue: { name: `${busNamespace}-${queue}-dlq`, messageRetentionSeconds: 1_209_600 },
    },
  });
  deadLetterQueues[queue] = deadLetter;
  queues[queue] = new sst.aws.Queue(`${componentPrefix(queue)}Queue`, {
    dlq: { queue: deadLetter.arn, retry: MAX_RECEIVE_COUNT },
    visibilityTimeout: `${6 * consumerTimeoutSeconds} seconds`,
    transform: { queue: { name: `${busNamespace}-${queue}` } },
  });
}

for (const [service, published] of Object.entries(topology.publishers) as [
  Publisher,
  readonly string[],
][]) {
  for (const [queue, wanted] of Object.entries(topology.subscriptions) as [
    Consumer,
    readonly string[],
  ][]) {
    const types = wanted.filter((type) => published.includes(type));
    if (types.length === 0) continue;
    topics[service].subscribeQueue(
      `${componentPrefix(queue)}From${componentPrefix(service)}`,
      queues[queue],
      {
        filter: { type: [...types].sort() },
        // The consumer reads the envelope and its attributes as published, not an SNS wrapper.
        transform: { subscription: { rawMessageDelivery: true } },
      },
    );
  }
}

/** What every function that publishes or consumes needs to reach the bus. */
export const busEnvironment = { BUS: "sns-sqs", BUS_NAMESPACE: busNamespace };

/**
 * The publisher finds its topic's ARN by name with ListTopics, which IAM grants on "*" only;
 * linking the topic grants publishing to it alone.
 */
export const busPermissions = [{ actions: ["sns:ListTopics"], resources: ["*"] }];
