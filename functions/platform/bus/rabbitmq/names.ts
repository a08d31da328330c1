/**
 * Names of the RabbitMQ objects the bus uses, all under one namespace so that several systems,
 * or test runs, can share one broker.
 *
 * @example
 * const names = rabbitNames("slipway");
 * names.exchange;                   // "slipway.events": topic exchange, routing key = event type
 * names.queue("catalog");           // "slipway.catalog": the catalog service's quorum queue
 * names.deadLetterQueue("catalog"); // "slipway.catalog.dlq", fed by "slipway.dead-letter"
 */
export const DEFAULT_NAMESPACE = "slipway";

/** Deliveries before a failing message is dead-lettered, unless configured. */
export const DEFAULT_MAX_RECEIVE_COUNT = 5;

/** Headers the bus adds to a message it dead-letters itself. */
export const REASON_HEADER = "x-slipway-reason";
export const DEAD_AT_HEADER = "x-slipway-dead-at";
export const RECEIVE_COUNT_HEADER = "x-slipway-receive-count";

export const CONTENT_TYPE = "application/cloudevents+json";

export interface RabbitNames {
  exchange: string;
  deadLetterExchange: string;
  queue(queue: string): string;
  deadLetterQueue(queue: string): string;
}

export function rabbitNames(namespace: string = DEFAULT_NAMESPACE): RabbitNames {
  return {
    exchange: `${namespace}.events`,
    deadLetterExchange: `${namespace}.dead-letter`,
    queue: (queue) => `${namespace}.${queue}`,
    deadLetterQueue: (queue) => `${namespace}.${queue}.dlq`,
  };
}
