/**
 * Dead letters of the embedded bus: rows marked dead, listed and redriven in place.
 */
import type { EventEmitter } from "node:events";
import { and, asc, eq, isNotNull, sql } from "drizzle-orm";
import type { DeadLetterQueue } from "../port.js";
import { messages } from "./schema.js";
import type { BusDb } from "./subscriber.js";

export function createEmbeddedDeadLetters(
  db: BusDb,
  published: () => EventEmitter,
): DeadLetterQueue {
  return {
    async list(queue, limit = 100) {
      const rows = await db
        .select()
        .from(messages)
        .where(and(eq(messages.queue, queue), isNotNull(messages.deadAt)))
        .orderBy(asc(messages.deadAt))
        .limit(limit);
      return rows.map((row) => ({
        messageId: row.id,
        body: row.body,
        reason: row.deadReason ?? undefined,
        receiveCount: row.receiveCount,
        deadAt: row.deadAt?.toISOString(),
      }));
    },

    async redrive(queue) {
      const moved = await db
        .update(messages)
        .set({ deadAt: null, deadReason: null, receiveCount: 0, visibleAt: sql`now()` })
        .where(and(eq(messages.queue, queue), isNotNull(messages.deadAt)))
        .returning({ id: messages.id });
      if (moved.length > 0) published().emit(queue);
      return moved.length;
    },
  };
}
