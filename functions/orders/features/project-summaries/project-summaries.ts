// The order summaries projection: applies the orders' own events to the read model that
// ListOrders serves. Every event carries the whole order at its revision, and a row only moves
// forward to a higher revision, so events arriving twice, late or out of order end in the same
// summary.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { lt } from "drizzle-orm";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRefundedSchema,
  OrderRejectedSchema,
} from "../../../gen/orders/v1/events_pb.js";
import { type Order, OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { type EventHandler, on } from "../../../platform/events/consumer.js";
import { ORDER_STATUSES, orderSummaries, type Status, type schema } from "../../db/schema.js";
import type { OrdersDb } from "../../order.js";

type Schema = typeof schema;

export const SUMMARIES_CONSUMER = "order-summaries";

async function upsertSummary(tx: OrdersDb, order: Order | undefined): Promise<void> {
  const status = OrderStatus[order?.status ?? OrderStatus.UNSPECIFIED] as Status;
  if (!order?.total || !order.createTime || !order.updateTime || !ORDER_STATUSES.includes(status)) {
    throw new PoisonMessage("event carries no complete order");
  }
  const row = {
    orderId: order.id,
    customerId: order.customerId,
    status,
    totalMinor: order.total.amountMinor,
    currency: order.total.currency,
    lineCount: order.lines.length,
    createdAt: timestampDate(order.createTime),
    updatedAt: timestampDate(order.updateTime),
    revision: order.revision,
  };
  await tx
    .insert(orderSummaries)
    .values(row)
    .onConflictDoUpdate({
      target: orderSummaries.orderId,
      set: row,
      setWhere: lt(orderSummaries.revision, row.revision),
    });
}

export const summaryHandlers: EventHandler<Schema>[] = [
  on(OrderPlacedSchema, (event, { tx }) => upsertSummary(tx, event.order)),
  on(OrderConfirmedSchema, (event, { tx }) => upsertSummary(tx, event.order)),
  on(OrderRejectedSchema, (event, { tx }) => upsertSummary(tx, event.order)),
  on(OrderCancelledSchema, (event, { tx }) => upsertSummary(tx, event.order)),
  on(OrderRefundedSchema, (event, { tx }) => upsertSummary(tx, event.order)),
];
