// The payments service's own tables, all in the `payments` Postgres schema.
import { sql } from "drizzle-orm";
import {
  bigint,
  char,
  check,
  index,
  integer,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { inboxTable } from "../../platform/events/inbox.js";
import { outboxTable } from "../../platform/events/outbox.js";

export const paymentsSchema = pgSchema("payments");

export const PAYMENT_STATUSES = [
  "pending",
  "authorized",
  "declined",
  "captured",
  "voided",
  "refunded",
  "cancelled",
] as const;
export type PaymentStatusName = (typeof PAYMENT_STATUSES)[number];

/** The order's outcome as far as payments has heard; it only moves forward (see rules.ts). */
export const OUTCOMES = ["none", "confirmed", "rejected", "cancelled", "refund_requested"] as const;
export type Outcome = (typeof OUTCOMES)[number];

export const DECLINE_REASONS = ["declined", "insufficient_funds"] as const;
export type DeclineReasonName = (typeof DECLINE_REASONS)[number];

const listOf = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(", "));

/**
 * One payment per order, built from whichever saga events have arrived: the order's customer,
 * amount and token (OrderPlaced, or the customer and amount from any orders event), whether the
 * stock is held (StockReserved) and the order's outcome.
 */
export const payments = paymentsSchema.table(
  "payments",
  {
    orderId: uuid("order_id").primaryKey(),
    // Null until an orders event has been seen (StockReserved can come first).
    customerId: text("customer_id"),
    amountMinor: bigint("amount_minor", { mode: "bigint" }),
    currency: char("currency", { length: 3 }),
    // Null until OrderPlaced has been seen.
    paymentToken: text("payment_token"),
    status: text("status").$type<PaymentStatusName>().notNull().default("pending"),
    declineReason: text("decline_reason").$type<DeclineReasonName>(),
    // Null until StockReserved has been seen.
    reservationExpiresAt: timestamp("reservation_expires_at", { withTimezone: true }),
    outcome: text("outcome").$type<Outcome>().notNull().default("none"),
    // The provider's id of the authorization, once there is one.
    authorizationId: text("authorization_id"),
    capturedMinor: bigint("captured_minor", { mode: "bigint" }).notNull().default(sql`0`),
    refundedMinor: bigint("refunded_minor", { mode: "bigint" }).notNull().default(sql`0`),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check("payments_status_known", sql`${table.status} in (${listOf(PAYMENT_STATUSES)})`),
    check("payments_outcome_known", sql`${table.outcome} in (${listOf(OUTCOMES)})`),
    check(
      "payments_decline_reason",
      sql`(${table.status} = 'declined') = (${table.declineReason} is not null) and (${table.declineReason} is null or ${table.declineReason} in (${listOf(DECLINE_REASONS)}))`,
    ),
    // Amount and currency are learnt together, with the customer.
    check(
      "payments_amount_known_together",
      sql`(${table.customerId} is null) = (${table.amountMinor} is null) and (${table.amountMinor} is null) = (${table.currency} is null)`,
    ),
    check("payments_amount_non_negative", sql`${table.amountMinor} >= 0`),
    check("payments_captured_non_negative", sql`${table.capturedMinor} >= 0`),
    check("payments_refunded_non_negative", sql`${table.refundedMinor} >= 0`),
    // The ledger's sum never goes below zero: never refund more than was captured. The ledger
    // rows are written in the same transaction as these totals.
    check(
      "payments_refunds_within_captures",
      sql`${table.refundedMinor} <= ${table.capturedMinor}`,
    ),
  ],
);

export const MOVEMENT_KINDS = ["capture", "refund"] as const;
export type MovementKindName = (typeof MOVEMENT_KINDS)[number];

/** Every money movement: captures count +amount, refunds −amount. */
export const ledger = paymentsSchema.table(
  "ledger",
  {
    id: uuid("id").primaryKey(),
    orderId: uuid("order_id")
      .notNull()
      .references(() => payments.orderId),
    kind: text("kind").$type<MovementKindName>().notNull(),
    amountMinor: bigint("amount_minor", { mode: "bigint" }).notNull(),
    currency: char("currency", { length: 3 }).notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check("ledger_kind_known", sql`${table.kind} in (${listOf(MOVEMENT_KINDS)})`),
    check("ledger_amount_positive", sql`${table.amountMinor} > 0`),
    // A payment is captured in full once and refunded in full at most once: a second movement
    // of a kind is a bug the database refuses, whatever the code does.
    uniqueIndex("ledger_one_per_kind").on(table.orderId, table.kind),
  ],
);

export const PROVIDER_OPERATIONS = ["authorize", "capture", "void", "refund"] as const;
export type ProviderOperation = (typeof PROVIDER_OPERATIONS)[number];

/**
 * The simulated provider's own records, one per idempotency key (`<order id>:<operation>`): a
 * request repeated with the same key answers what the first one did instead of acting again.
 */
export const providerRecords = paymentsSchema.table(
  "provider_records",
  {
    idempotencyKey: text("idempotency_key").primaryKey(),
    operation: text("operation").$type<ProviderOperation>().notNull(),
    // The authorization the operation belongs to; null for a declined authorization.
    authorizationId: text("authorization_id"),
    // What was asked, to refuse the key's reuse for a different request.
    token: text("token"),
    amountMinor: bigint("amount_minor", { mode: "bigint" }),
    currency: char("currency", { length: 3 }),
    result: text("result").notNull(),
    // How often the request was made with this key (the first one and its retries).
    attempts: integer("attempts").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check(
      "provider_records_operation_known",
      sql`${table.operation} in (${listOf(PROVIDER_OPERATIONS)})`,
    ),
    index("provider_records_created_at").on(table.createdAt),
  ],
);

export const outbox = outboxTable(paymentsSchema);
export const inbox = inboxTable(paymentsSchema);

export const schema = { payments, ledger, providerRecords, outbox, inbox };

export type PaymentRow = typeof payments.$inferSelect;
export type LedgerRow = typeof ledger.$inferSelect;
