// The events the orders service publishes, each carrying the whole order after the change.
import { create } from "@bufbuild/protobuf";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
  OrderRejectedSchema,
} from "../gen/orders/v1/events_pb.js";
import type { Order } from "../gen/orders/v1/orders_pb.js";
import { type Envelope, toEnvelope } from "../platform/events/envelope.js";

const source = "orders";

export const orderPlaced = (order: Order, paymentToken: string): Envelope =>
  toEnvelope({
    source,
    subject: order.id,
    schema: OrderPlacedSchema,
    message: create(OrderPlacedSchema, { order, paymentToken }),
  });

/** What a transition of the state machine announces. */
export type Outcome = "confirmed" | "rejected" | "cancelled" | "refunded";

const outcomeSchemas = {
  confirmed: OrderConfirmedSchema,
  rejected: OrderRejectedSchema,
  cancelled: OrderCancelledSchema,
  refunded: OrderRefundedSchema,
} as const;

export function outcomeEvent(outcome: Outcome, order: Order): Envelope {
  const schema = outcomeSchemas[outcome];
  return toEnvelope({
    source,
    subject: order.id,
    schema,
    message: create(schema, { order }),
  });
}
