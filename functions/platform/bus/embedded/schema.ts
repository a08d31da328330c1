// Tables of the embedded bus: one row per message per queue, in its own `bus` schema.
import { sql } from "drizzle-orm";
import { index, integer, pgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";

export const bus = pgSchema("bus");

export const messages = bus.table(
  "messages",
  {
    id: uuid("id").primaryKey(),
    queue: text("queue").notNull(),
    body: text("body").notNull(),
    // W3C trace context of the event's producer, beside the body as every transport carries it.
    traceparent: text("traceparent"),
    receiveCount: integer("receive_count").notNull().default(0),
    // Hidden until then: delivered and not yet acknowledged, or backing off after a failure.
    visibleAt: timestamp("visible_at", { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    deadAt: timestamp("dead_at", { withTimezone: true }),
    deadReason: text("dead_reason"),
  },
  (table) => [
    index("messages_ready").on(table.queue, table.visibleAt).where(sql`${table.deadAt} is null`),
    index("messages_dead").on(table.queue, table.deadAt).where(sql`${table.deadAt} is not null`),
  ],
);

export const schema = { messages };
