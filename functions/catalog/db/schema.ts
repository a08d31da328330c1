// The catalog service's own tables, all in the `catalog` Postgres schema.
import { sql } from "drizzle-orm";
import {
  bigint,
  char,
  check,
  integer,
  pgSchema,
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

export const outbox = outboxTable(catalog);
export const inbox = inboxTable(catalog);

export const schema = { products, productListings, outbox, inbox };

export type ProductRow = typeof products.$inferSelect;
