/**
 * Who publishes which events and who consumes them, declared once. Every transport's setup
 * (queues, bindings, filter policies), the local runner and the cloud infrastructure are
 * derived from this table.
 *
 * @example
 * queuesFor("slipway.orders.v1.OrderPlaced"); // ["catalog", "orders", "payments"]
 */
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  ReservationCommittedSchema,
  ReservationReleasedSchema,
  StockAdjustedSchema,
  StockRejectedSchema,
  StockReservedSchema,
  StockReturnedSchema,
} from "../../gen/catalog/v1/events_pb.js";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
  OrderRejectedSchema,
} from "../../gen/orders/v1/events_pb.js";
import {
  PaymentAuthorizedSchema,
  PaymentCapturedSchema,
  PaymentDeclinedSchema,
  PaymentRefundedSchema,
  PaymentVoidedSchema,
} from "../../gen/payments/v1/events_pb.js";

const names = (...schemas: { typeName: string }[]) => schemas.map((schema) => schema.typeName);

const productEvents = names(ProductCreatedSchema, ProductUpdatedSchema, StockAdjustedSchema);
const stockEvents = names(
  StockReservedSchema,
  StockRejectedSchema,
  ReservationReleasedSchema,
  ReservationCommittedSchema,
  StockReturnedSchema,
);
const orderEvents = names(
  OrderPlacedSchema,
  OrderConfirmedSchema,
  OrderRejectedSchema,
  OrderCancelledSchema,
  OrderRefundedSchema,
);
const paymentEvents = names(
  PaymentAuthorizedSchema,
  PaymentDeclinedSchema,
  PaymentCapturedSchema,
  PaymentVoidedSchema,
  PaymentRefundedSchema,
);

export const topology = {
  /** Each publishing service has one topic (SNS) or routing-key prefix (RabbitMQ). */
  publishers: {
    catalog: [...productEvents, ...stockEvents],
    orders: orderEvents,
    payments: paymentEvents,
  },
  /** Each consuming service has one queue, named after it, subscribed to these types. */
  subscriptions: {
    // The listing (read model) follows the catalog's own product events; reservations follow
    // the orders' saga: reserve on placement, commit, release or return on its outcome.
    catalog: [
      ...productEvents,
      ...names(OrderPlacedSchema, OrderConfirmedSchema, OrderRejectedSchema, OrderCancelledSchema),
    ],
    // The saga's state machine, and the customer order summaries (its own events).
    orders: [
      ...names(StockReservedSchema, StockRejectedSchema, ReservationReleasedSchema),
      ...names(StockReturnedSchema),
      ...names(PaymentAuthorizedSchema, PaymentDeclinedSchema, PaymentRefundedSchema),
      ...orderEvents,
    ],
    // Learns the amount and token on placement, authorizes once the stock is held; captures,
    // voids or refunds on the order's outcome.
    payments: [
      ...names(OrderPlacedSchema, StockReservedSchema),
      ...names(OrderConfirmedSchema, OrderRejectedSchema, OrderCancelledSchema),
    ],
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
