/**
 * The transactional outbox: events are rows written in the same transaction as the state
 * change they describe, so a change is never committed without its events nor published
 * without its change. A dispatcher publishes them after commit (outbox-dispatcher.ts).
 *
 * @example
 * // db/schema.ts
 * export const outbox = outboxTable(catalog);
 * // in a slice
 * await db.transaction(async (tx) => {
 *   const [row] = await tx.insert(products).values(...).returning();
 *   await recordEvents(tx, outbox, [toEnvelope({ source: "catalog", subject: row.id, schema: ProductCreatedSchema, message })]);
 * });
 */
import { sql } from "drizzle-orm";
import { index, integer, type PgSchema, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Database } from "../db/database.js";
import type { Envelope } from "./envelope.js";

export function outboxTable(schema: PgSchema) {
  return schema.table(
    "outbox",
    {
      // The envelope id: consumers deduplicate on it, however often it is published.
      id: uuid("id").primaryKey(),
      type: text("type").notNull(),
      envelope: text("envelope").notNull(),
      createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
      publishedAt: timestamp("published_at", { withTimezone: true }),
      attempts: integer("attempts").notNull().default(0),
      // Not before then: claimed by a dispatcher (a lease) or backing off after a failure.
      nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
      lastError: text("last_error"),
    },
    (table) => [
      index(`${schema.schemaName}_outbox_pending`)
        .on(table.nextAttemptAt)
        .where(sql`${table.publishedAt} is null`),
    ],
  );
}

export type OutboxTable = ReturnType<typeof outboxTable>;

/** Writes events into the outbox; call inside the transaction that makes the change. */
export async function recordEvents(
  tx: Database<Record<string, unknown>>,
  outbox: OutboxTable,
  envelopes: readonly Envelope[],
): Promise<void> {
  if (envelopes.length === 0) return;
  await tx.insert(outbox).values(
    envelopes.map((envelope) => ({
      id: envelope.id,
      type: envelope.type,
      envelope: JSON.stringify(envelope),
    })),
  );
}
