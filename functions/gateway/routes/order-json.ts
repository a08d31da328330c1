// The REST shape of orders (camelCase JSON, lower-case status and reason names, money as
// products have it) and its mapping from the orders service's messages.

import type { Timestamp } from "@bufbuild/protobuf/wkt";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import * as v from "valibot";
import {
  type Order,
  OrderStatus,
  type OrderSummary,
  RejectionReason,
} from "../../gen/orders/v1/orders_pb.js";
import { MoneyJson, moneyToJson } from "./product-json.js";

// Spelled out rather than derived from the enum names, so the API's words stay put whatever
// the proto calls them; a value added to the proto fails to compile here until named.
const statusNames: Record<Exclude<OrderStatus, OrderStatus.UNSPECIFIED>, string> = {
  [OrderStatus.PENDING]: "pending",
  [OrderStatus.STOCK_RESERVED]: "stock_reserved",
  [OrderStatus.CONFIRMED]: "confirmed",
  [OrderStatus.REJECTED]: "rejected",
  [OrderStatus.CANCELLED]: "cancelled",
  [OrderStatus.REFUND_PENDING]: "refund_pending",
  [OrderStatus.REFUNDED]: "refunded",
};

const reasonNames: Record<Exclude<RejectionReason, RejectionReason.UNSPECIFIED>, string> = {
  [RejectionReason.OUT_OF_STOCK]: "out_of_stock",
  [RejectionReason.PAYMENT_DECLINED]: "payment_declined",
  [RejectionReason.INSUFFICIENT_FUNDS]: "insufficient_funds",
  [RejectionReason.RESERVATION_EXPIRED]: "reservation_expired",
};

const picklistOf = (names: Record<number, string>) =>
  v.picklist(Object.values(names) as [string, ...string[]]);

const StatusJson = v.pipe(
  picklistOf(statusNames),
  v.description(
    "pending (waiting for stock), stock_reserved (waiting for the payment), confirmed (paid), rejected (see rejectionReason), cancelled (before an outcome), refund_pending (cancelled after confirmation; refund and restock under way), refunded",
  ),
);

const timestamp = v.pipe(v.string(), v.isoTimestamp());
const count = v.pipe(v.number(), v.integer());

export const OrderJson = v.pipe(
  v.object({
    id: v.pipe(v.string(), v.uuid()),
    status: StatusJson,
    lines: v.array(
      v.object({
        productId: v.pipe(v.string(), v.uuid()),
        name: v.pipe(v.string(), v.description("The product's name when the order was placed")),
        quantity: count,
        unitPrice: v.pipe(MoneyJson, v.description("Frozen when the order was placed")),
      }),
    ),
    total: MoneyJson,
    rejectionReason: v.pipe(
      v.nullable(picklistOf(reasonNames)),
      v.description("Why the order was rejected; null unless its status is rejected"),
    ),
    shortLines: v.pipe(
      v.array(v.object({ productId: v.string(), requested: count, available: count })),
      v.description("The lines that were out of stock, when rejected for that; else empty"),
    ),
    history: v.pipe(
      v.array(v.object({ status: StatusJson, at: timestamp })),
      v.description("Every status the order has been in, oldest first"),
    ),
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  v.title("Order"),
);
export type OrderJson = v.InferOutput<typeof OrderJson>;

export const OrderSummaryJson = v.pipe(
  v.object({
    id: v.pipe(v.string(), v.uuid()),
    status: StatusJson,
    total: MoneyJson,
    lineCount: count,
    createdAt: timestamp,
    updatedAt: timestamp,
  }),
  v.title("OrderSummary"),
);
export type OrderSummaryJson = v.InferOutput<typeof OrderSummaryJson>;

export const OrderPageJson = v.pipe(
  v.object({
    items: v.pipe(v.array(OrderSummaryJson), v.description("Newest first")),
    nextCursor: v.pipe(
      v.nullable(v.string()),
      v.description("Pass as `cursor` to get the next page; null on the last page"),
    ),
  }),
  v.title("OrderPage"),
);

function statusToJson(status: OrderStatus): string {
  const name = statusNames[status as keyof typeof statusNames];
  // A status this gateway does not know yet: fail loudly rather than invent a word for it.
  if (!name) throw new Error(`orders answered an unknown order status ${status}`);
  return name;
}

function reasonToJson(reason: RejectionReason): string | null {
  if (reason === RejectionReason.UNSPECIFIED) return null;
  const name = reasonNames[reason as keyof typeof reasonNames];
  if (!name) throw new Error(`orders answered an unknown rejection reason ${reason}`);
  return name;
}

const timeToJson = (time: Timestamp | undefined) => (time ? timestampDate(time).toISOString() : "");

export function orderToJson(order: Order | undefined): OrderJson {
  if (!order) throw new Error("orders answered without an order");
  return {
    id: order.id,
    status: statusToJson(order.status),
    lines: order.lines.map((line) => ({
      productId: line.productId,
      name: line.name,
      quantity: line.quantity,
      unitPrice: moneyToJson(line.unitPrice),
    })),
    total: moneyToJson(order.total),
    rejectionReason: reasonToJson(order.rejectionReason),
    shortLines: order.shortLines.map(({ productId, requested, available }) => ({
      productId,
      requested,
      available,
    })),
    history: order.history.map((change) => ({
      status: statusToJson(change.status),
      at: timeToJson(change.changeTime),
    })),
    createdAt: timeToJson(order.createTime),
    updatedAt: timeToJson(order.updateTime),
  };
}

export function orderSummaryToJson(summary: OrderSummary): OrderSummaryJson {
  return {
    id: summary.id,
    status: statusToJson(summary.status),
    total: moneyToJson(summary.total),
    lineCount: summary.lineCount,
    createdAt: timeToJson(summary.createTime),
    updatedAt: timeToJson(summary.updateTime),
  };
}
