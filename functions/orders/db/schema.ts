// The orders service's own tables, all in the `orders` Postgres schema.
import { sql } from "drizzle-orm";
import {
  bigint,
  boolean,
  char,
  check,
  foreignKey,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import { inboxTable } from "../../platform/events/inbox.js";
import { outboxTable } from "../../platform/events/outbox.js";

export const orders = pgSchema("orders");

/** The statuses of slipway.orders.v1.OrderStatus, by their short names. */
export const ORDER_STATUSES = [
  "PENDING",
  "STOCK_RESERVED",
  "CONFIRMED",
  "REJECTED",
  "CANCELLED",
  "REFUND_PENDING",
  "REFUNDED",
] as const;
export type Status = (typeof ORDER_STATUSES)[number];

/** The reasons of slipway.orders.v1.RejectionReason, by their short names. */
export const REJECTION_REASONS = [
  "OUT_OF_STOCK",
  "PAYMENT_DECLINED",
  "INSUFFICIENT_FUNDS",
  "RESERVATION_EXPIRED",
] as const;
export type Reason = (typeof REJECTION_REASONS)[number];

const oneOf = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(", "));

/** The write model: one row per order; its status only changes through the state machine. */
export const orderRows = orders.table(
  "orders",
  {
    // UUIDv7, made by the service: time-ordered.
    id: uuid("id").primaryKey(),
    // The customer is the caller's subject (the internal credential's `sub`), never input.
    customerId: text("customer_id").notNull(),
    status: text("status").$type<Status>().notNull(),
    rejectionReason: text("rejection_reason").$type<Reason>(),
    totalMinor: bigint("total_minor", { mode: "bigint" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    // From StockReserved: until when catalog holds the stock.
    reservationExpiresAt: timestamp("reservation_expires_at", { withTimezone: true }),
    // REFUND_PENDING becomes REFUNDED once both the refund and the restock have arrived.
    refunded: boolean("refunded").notNull().default(false),
    restocked: boolean("restocked").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    // Counts every status change, starting at 1 (PENDING); events carry it.
    revision: integer("revision").notNull().default(1),
  },
  (table) => [
    check("orders_status_known", sql`${table.status} in (${oneOf(ORDER_STATUSES)})`),
    check(
      "orders_rejection_reason_known",
      sql`${table.rejectionReason} in (${oneOf(REJECTION_REASONS)})`,
    ),
    // A reason exactly when rejected.
    check(
      "orders_rejection_reason_when_rejected",
      sql`(${table.status} = 'REJECTED') = (${table.rejectionReason} is not null)`,
    ),
    check("orders_total_non_negative", sql`${table.totalMinor} >= 0`),
    check("orders_revision_positive", sql`${table.revision} >= 1`),
  ],
);

export const orderLines = orders.table(
  "order_lines",
  {
    orderId: uuid("order_id").notNull(),
    // The line's place in the request, so an order reads back as it was placed.
    position: integer("position").notNull(),
    productId: uuid("product_id").notNull(),
    quantity: integer("quantity").notNull(),
    // Frozen at placement: the catalog's price then, in the order's currency.
    unitPriceMinor: bigint("unit_price_minor", { mode: "bigint" }).notNull(),
    name: text("name").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    foreignKey({ columns: [table.orderId], foreignColumns: [orderRows.id] }).onDelete("cascade"),
    check("order_lines_quantity_positive", sql`${table.quantity} > 0`),
    check("order_lines_unit_price_non_negative", sql`${table.unitPriceMinor} >= 0`),
  ],
);

/** Every status an order has been in, with its time: one row per revision. */
export const orderStatusChanges = orders.table(
  "order_status_changes",
  {
    orderId: uuid("order_id").notNull(),
    revision: integer("revision").notNull(),
    status: text("status").$type<Status>().notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.revision] }),
    foreignKey({ columns: [table.orderId], foreignColumns: [orderRows.id] }).onDelete("cascade"),
    check("order_status_changes_status_known", sql`${table.status} in (${oneOf(ORDER_STATUSES)})`),
  ],
);

/** The lines catalog could not reserve, from StockRejected. */
export const shortLines = orders.table(
  "short_lines",
  {
    orderId: uuid("order_id").notNull(),
    productId: text("product_id").notNull(),
    requested: integer("requested").notNull(),
    available: integer("available").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    foreignKey({ columns: [table.orderId], foreignColumns: [orderRows.id] }).onDelete("cascade"),
  ],
);

/** PlaceOrder's Idempotency-Key per customer: the first order a key made, kept 24 hours. */
export const idempotencyKeys = orders.table(
  "idempotency_keys",
  {
    customerId: text("customer_id").notNull(),
    key: text("key").notNull(),
    // A digest of the request, so the same key with another request is told apart.
    requestHash: text("request_hash").notNull(),
    orderId: uuid("order_id").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    primaryKey({ columns: [table.customerId, table.key] }),
    foreignKey({ columns: [table.orderId], foreignColumns: [orderRows.id] }).onDelete("cascade"),
    index("idempotency_keys_created_at").on(table.createdAt),
  ],
);

/**
 * The read model of ListOrders (CQRS): written only by the projection of the orders' own
 * events, read only by ListOrders. It may trail `orders` by moments, and a row only moves to a
 * higher revision.
 */
export const orderSummaries = orders.table(
  "order_summaries",
  {
    orderId: uuid("order_id").primaryKey(),
    customerId: text("customer_id").notNull(),
    status: text("status").$type<Status>().notNull(),
    totalMinor: bigint("total_minor", { mode: "bigint" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    lineCount: integer("line_count").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    revision: integer("revision").notNull(),
  },
  // A customer's page, newest first: ids are UUIDv7, so the id order is the creation order.
  (table) => [index("order_summaries_customer").on(table.customerId, table.orderId.desc())],
);

export const outbox = outboxTable(orders);
export const inbox = inboxTable(orders);

export const schema = {
  orderRows,
  orderLines,
  orderStatusChanges,
  shortLines,
  idempotencyKeys,
  orderSummaries,
  outbox,
  inbox,
};

export type OrderRow = typeof orderRows.$inferSelect;
export type OrderLineRow = typeof orderLines.$inferSelect;
export type StatusChangeRow = typeof orderStatusChanges.$inferSelect;
export type ShortLineRow = typeof shortLines.$inferSelect;
export type SummaryRow = typeof orderSummaries.$inferSelect;
