/**
 * Names of the SNS/SQS resources derived from the topology and a namespace: one topic per
 * publishing service, one queue per consuming service, and that queue's dead-letter queue.
 *
 * @example
 * const names = snsSqsNames("slipway-dev");
 * names.topic("catalog");           // "slipway-dev-catalog-events"
 * names.queue("catalog");           // "slipway-dev-catalog"
 * names.deadLetterQueue("catalog"); // "slipway-dev-catalog-dlq"
 */

/** Who publishes and who consumes which event types; `topology` in `events/topology.ts` fits. */
export interface BusTopology {
  publishers: Readonly<Record<string, readonly string[]>>;
  subscriptions: Readonly<Record<string, readonly string[]>>;
}

export interface SnsSqsNames {
  topic(service: string): string;
  queue(queue: string): string;
  deadLetterQueue(queue: string): string;
}

// SQS allows 80 characters of [A-Za-z0-9_-] in a queue name; "-dlq" is the longest suffix.
const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]*$/;
const MAX_QUEUE_NAME = 80;

export function snsSqsNames(namespace: string): SnsSqsNames {
  if (!NAME.test(namespace)) {
    throw new Error(`namespace "${namespace}" must be letters, digits, "-" and "_"`);
  }
  const checked = (name: string) => {
    if (!NAME.test(name) || name.length > MAX_QUEUE_NAME) {
      throw new Error(
        `"${name}" is not a valid SNS/SQS name (≤ ${MAX_QUEUE_NAME} of [A-Za-z0-9_-])`,
      );
    }
    return name;
  };
  return {
    topic: (service) => checked(`${namespace}-${service}-events`),
    queue: (queue) => checked(`${namespace}-${queue}`),
    deadLetterQueue: (queue) => checked(`${namespace}-${queue}-dlq`),
  };
}

/** The service whose topic carries `type`, if any. */
export function publisherIn(topology: BusTopology, type: string): string | undefined {
  return Object.keys(topology.publishers).find((service) =>
    topology.publishers[service]?.includes(type),
  );
}

/** The last part of an ARN: the queue or topic name. */
export const nameOfArn = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);

/** The account id in an ARN (`arn:aws:sqs:<region>:<account>:<name>`). */
export const accountOfArn = (arn: string) => arn.split(":")[4] ?? "";
