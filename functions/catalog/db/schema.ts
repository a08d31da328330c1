// The catalog service's own tables, all in the `catalog` Postgres schema.
import { sql } from "drizzle-orm";
import {
  bigint,
  char,
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { inboxTable } from "../../platform/events/inbox.js";
import { outboxTable } from "../../platform/events/outbox.js";

export const catalog = pgSchema("catalog");

export const products = catalog.table(
  "products",
  {
    // UUIDv7, made by the service: time-ordered, so the primary key doubles as the list order.
    id: uuid("id").primaryKey(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    priceAmountMinor: bigint("price_amount_minor", { mode: "bigint" }).notNull(),
    priceCurrency: char("price_currency", { length: 3 }).notNull(),
    stock: integer("stock").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
    revision: integer("revision").notNull().default(1),
  },
  (table) => [
    // SKUs are compared without case: "abc-1" and "ABC-1" are the same item.
    uniqueIndex("products_sku_unique").on(sql`lower(${table.sku})`),
    // The database, not only the code, guarantees stock never goes negative.
    check("products_stock_non_negative", sql`${table.stock} >= 0`),
    check("products_price_non_negative", sql`${table.priceAmountMinor} >= 0`),
  ],
);

/**
 * The read model of products for listing and search (CQRS): written only by the projection of
 * the catalog's own events, read only by ListProducts. It may trail `products` by moments.
 */
export const productListings = catalog.table(
  "product_listings",
  {
    id: uuid("id").primaryKey(),
    sku: text("sku").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull(),
    priceAmountMinor: bigint("price_amount_minor", { mode: "bigint" }).notNull(),
    priceCurrency: char("price_currency", { length: 3 }).notNull(),
    stock: integer("stock").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    // The product revision this row reflects; older events are ignored.
    revision: integer("revision").notNull(),
  },
  // Name search scans the listing (ILIKE '%…%'); a trigram index is the next step when the
  // catalog outgrows that.
);

export const reservationStatuses = [
  "reserved",
  "rejected",
  "committed",
  "released",
  "returned",
] as const;
export type ReservationStatus = (typeof reservationStatuses)[number];

export const releaseReasons = ["order_rejected", "order_cancelled", "expired"] as const;
export type ReleaseReason = (typeof releaseReasons)[number];

const oneOf = (values: readonly string[]) =>
  sql.raw(values.map((value) => `'${value}'`).join(", "));

/**
 * One row per order the catalog has heard of (the order saga, docs/order-saga.md): the units
 * of a `reserved` order are already out of `products.stock`. A `released` row without lines is
 * a tombstone: the order's outcome overtook its placement, and the late placement takes nothing.
 */
export const reservations = catalog.table(
  "reservations",
  {
    orderId: uuid("order_id").primaryKey(),
    status: text("status").$type<ReservationStatus>().notNull(),
    // Why a released reservation was released: only an expired one may be taken again when
    // the order's confirmation arrives late.
    releaseReason: text("release_reason").$type<ReleaseReason>(),
    // Set when the units were taken; the expiry job releases them after this plus a grace.
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (table) => [
    check("reservations_status_valid", sql`${table.status} in (${oneOf(reservationStatuses)})`),
    check(
      "reservations_release_reason_valid",
      sql`${table.releaseReason} is null or ${table.releaseReason} in (${oneOf(releaseReasons)})`,
    ),
    check(
      "reservations_reserved_expires",
      sql`${table.status} <> 'reserved' or ${table.expiresAt} is not null`,
    ),
    // The expiry job's scan: only rows still holding stock.
    index("reservations_reserved_expires_at")
      .on(table.expiresAt)
      .where(sql`${table.status} = 'reserved'`),
    // Retention: terminal rows by age.
    index("reservations_updated_at").on(table.updatedAt),
  ],
);

/** What a reservation holds, one row per product (quantities of a repeated product summed). */
export const reservationLines = catalog.table(
  "reservation_lines",
  {
    orderId: uuid("order_id")
      .notNull()
      .references(() => reservations.orderId, { onDelete: "cascade" }),
    productId: uuid("product_id").notNull(),
    quantity: integer("quantity").notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.orderId, table.productId] }),
    check("reservation_lines_quantity_positive", sql`${table.quantity} > 0`),
  ],
);

export const outbox = outboxTable(catalog);
export const inbox = inboxTable(catalog);

export const schema = {
  products,
  productListings,
  reservations,
  reservationLines,
  outbox,
  inbox,
};

export type ProductRow = typeof products.$inferSelect;
export type ReservationRow = typeof reservations.$inferSelect;
