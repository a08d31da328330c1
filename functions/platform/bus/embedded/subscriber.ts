/**
 * Delivers an embedded queue's messages to a handler, one claimed batch at a time, each batch
 * in a "receive <queue>" span linked to its messages' producers (trace-context.ts).
 */
import type { EventEmitter } from "node:events";
import { and, asc, eq, inArray, isNull, lte, sql } from "drizzle-orm";
import type { Database } from "../../db/database.js";
import { inBatchSpan } from "../../events/trace-context.js";
import type { Logger } from "../../logger.js";
import { metrics } from "../../metrics.js";
import { type BusSubscriber, type DeliveryHandler, PoisonMessage } from "../port.js";
import { messages, type schema } from "./schema.js";

export type BusDb = Database<typeof schema>;

export interface EmbeddedSubscriber extends BusSubscriber {
  /** Handles every message visible now, then resolves; for tests and tools. */
  drain(queue: string, handle: DeliveryHandler): Promise<number>;
}

interface SubscriberOptions {
  db: BusDb;
  logger: Logger;
  published: EventEmitter;
  maxReceiveCount: number;
  visibilityTimeoutMs: number;
  pollIntervalMs: number;
}

const BATCH_SIZE = 10;

export function createEmbeddedSubscriber(options: SubscriberOptions): EmbeddedSubscriber {
  const { db, logger } = options;
  let running: { queue: string; stop: () => void; done: Promise<void> } | undefined;

  function claim(queue: string) {
    const visible = db
      .select({ id: messages.id })
      .from(messages)
      .where(
        and(
          eq(messages.queue, queue),
          isNull(messages.deadAt),
          lte(messages.visibleAt, sql`now()`),
        ),
      )
      .orderBy(asc(messages.visibleAt), asc(messages.id))
      .limit(BATCH_SIZE)
      .for("update", { skipLocked: true });
    return db
      .update(messages)
      .set({
        receiveCount: sql`${messages.receiveCount} + 1`,
        visibleAt: sql`now() + make_interval(secs => ${options.visibilityTimeoutMs / 1000})`,
      })
      .where(inArray(messages.id, visible))
      .returning({
        id: messages.id,
        body: messages.body,
        receiveCount: messages.receiveCount,
        traceparent: messages.traceparent,
      });
  }

  async function deliver(queue: string, handle: DeliveryHandler): Promise<number> {
    const claimed = await claim(queue);
    if (claimed.length === 0) return 0;
    await inBatchSpan(
      `receive ${queue}`,
      { "messaging.system": "slipway_embedded", "messaging.destination.name": queue },
      claimed.map((row) => row.traceparent ?? undefined),
      () => settleAll(queue, handle, claimed),
    );
    return claimed.length;
  }

  async function settleAll(
    queue: string,
    handle: DeliveryHandler,
    claimed: Awaited<ReturnType<typeof claim>>,
  ): Promise<void> {
    for (const row of claimed) {
      const byId = and(eq(messages.id, row.id), eq(messages.queue, queue));
      if (row.receiveCount > options.maxReceiveCount) {
        await db
          .update(messages)
          .set({
            deadAt: sql`now()`,
            deadReason: sql`coalesce(${messages.lastError}, 'too many deliveries')`,
          })
          .where(byId);
        metrics.count("events_dead_lettered_total", { queue });
        continue;
      }
      try {
        await handle({ messageId: row.id, body: row.body, receiveCount: row.receiveCount });
        await db.delete(messages).where(byId);
      } catch (error) {
        const reason = error instanceof Error ? error.message : String(error);
        if (error instanceof PoisonMessage || row.receiveCount >= options.maxReceiveCount) {
          await db
            .update(messages)
            .set({ deadAt: sql`now()`, deadReason: reason, lastError: reason })
            .where(byId);
          metrics.count("events_dead_lettered_total", { queue });
          logger.warn("message dead-lettered", { queue, messageId: row.id, reason });
        } else {
          // Back off 2^n seconds (capped) before the next attempt, as a visibility timeout would.
          const backoffSeconds = Math.min(2 ** (row.receiveCount - 1), 60);
          await db
            .update(messages)
            .set({
              visibleAt: sql`now() + make_interval(secs => ${backoffSeconds})`,
              lastError: reason,
            })
            .where(byId);
          logger.warn("message failed; will retry", {
            queue,
            messageId: row.id,
            attempt: row.receiveCount,
            reason,
          });
        }
      }
    }
  }

  return {
    async drain(queue, handle) {
      let total = 0;
      for (
        let handled = await deliver(queue, handle);
        handled > 0;
        handled = await deliver(queue, handle)
      ) {
        total += handled;
      }
      return total;
    },

    async start(queue, handle) {
      if (running) throw new Error(`already consuming ${running.queue}`);
      let stopped = false;
      let wake: () => void = () => {};
      const onPublished = () => wake();
      options.published.on(queue, onPublished);
      const loop = async () => {
        while (!stopped) {
          let handled = 0;
          try {
            handled = await deliver(queue, handle);
          } catch (error) {
            logger.error("embedded bus poll failed", { queue, error: error as Error });
          }
          if (handled > 0 || stopped) continue;
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, options.pollIntervalMs);
            wake = () => {
              clearTimeout(timer);
              resolve();
            };
          });
        }
      };
      running = {
        queue,
        stop: () => {
          stopped = true;
          wake();
          options.published.off(queue, onPublished);
        },
        done: loop(),
      };
    },

    async stop() {
      const current = running;
      running = undefined;
      if (!current) return;
      current.stop();
      await current.done;
    },
  };
}
