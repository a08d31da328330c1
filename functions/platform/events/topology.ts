/**
 * Who publishes which events and who consumes them, declared once. Every transport's setup
 * (queues, bindings, filter policies), the local runner and the cloud infrastructure are
 * derived from this table.
 *
 * @example
 * queuesFor("slipway.catalog.v1.ProductCreated"); // ["catalog"]
 */
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockAdjustedSchema,
} from "../../gen/catalog/v1/events_pb.js";

export const topology = {
  /** Each publishing service has one topic (SNS) or routing-key prefix (RabbitMQ). */
  publishers: {
    catalog: [ProductCreatedSchema, ProductUpdatedSchema, StockAdjustedSchema].map(
      (schema) => schema.typeName,
    ),
  },
  /** Each consuming service has one queue, named after it, subscribed to these types. */
  subscriptions: {
    // The catalog's listing (read model) is a projection of its own events.
    catalog: [ProductCreatedSchema, ProductUpdatedSchema, StockAdjustedSchema].map(
      (schema) => schema.typeName,
    ),
  },
} as const satisfies {
  publishers: Record<string, readonly string[]>;
  subscriptions: Record<string, readonly string[]>;
};

export type PublishingService = keyof typeof topology.publishers;
export type ConsumingService = keyof typeof topology.subscriptions;

export const queueNames = Object.keys(topology.subscriptions) as ConsumingService[];

/** The queues that receive an event type. */
export function queuesFor(type: string): ConsumingService[] {
  return queueNames.filter((queue) =>
    (topology.subscriptions[queue] as readonly string[]).includes(type),
  );
}

/** The service that publishes an event type, if any. */
export function publisherOf(type: string): PublishingService | undefined {
  return (Object.keys(topology.publishers) as PublishingService[]).find((service) =>
    (topology.publishers[service] as readonly string[]).includes(type),
  );
}
