/**
 * The inbox: which events a consumer has already applied, written in the same transaction as
 * the effect, so a redelivered event has no second effect.
 *
 * @example
 * export const inbox = inboxTable(catalog); // in the service's db/schema.ts
 */
import { index, type PgSchema, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

export function inboxTable(schema: PgSchema) {
  return schema.table(
    "inbox",
    {
      /** The envelope id (stable across transports and redeliveries). */
      eventId: text("event_id").notNull(),
      /** Which of the service's consumers applied it: one event can feed several. */
      consumer: text("consumer").notNull(),
      handledAt: timestamp("handled_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (table) => [
      primaryKey({ columns: [table.eventId, table.consumer] }),
      index(`${schema.schemaName}_inbox_handled_at`).on(table.handledAt),
    ],
  );
}

export type InboxTable = ReturnType<typeof inboxTable>;
