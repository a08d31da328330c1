/**
 * Publishes outbox rows to the bus: right after a commit (`dispatch`) and, for anything left
 * behind by a crash or a broker outage, from a sweeper with exponential backoff
 * (`dispatchDue`, `startSweeper`). Rows are claimed with a lease, never under an open
 * transaction, so a slow broker holds no database locks and two dispatchers never send the same
 * row at the same time (a crash mid-publish can still send it twice; consumers deduplicate).
 * Each published batch is an "outbox dispatch" PRODUCER span linked to its events' producers,
 * and counted by event type in `events_published_total` / `events_publish_failed_total`.
 *
 * @example
 * const outboxDispatcher = createOutboxDispatcher({ db, outbox, publisher, logger });
 * const ids = await db.transaction(...);   // a change and its events
 * await outboxDispatcher.dispatch(ids);    // best effort; the sweeper retries
 * const sweeper = outboxDispatcher.startSweeper();
 */
import { and, asc, inArray, isNull, lte, sql } from "drizzle-orm";
import type { BusPublisher } from "../bus/port.js";
import type { Database } from "../db/database.js";
import type { Logger } from "../logger.js";
import { type MetricName, metrics } from "../metrics.js";
import type { Envelope } from "./envelope.js";
import type { OutboxTable } from "./outbox.js";
import { inDispatchSpan } from "./trace-context.js";

export interface OutboxDispatcherOptions {
  db: Database<Record<string, unknown>>;
  outbox: OutboxTable;
  publisher: BusPublisher;
  logger: Logger;
  /** How long a claimed row stays with one dispatcher before another may take it. */
  leaseMs?: number;
  /** Published rows older than this are deleted by the sweeper. */
  retentionMs?: number;
}

export interface OutboxDispatcher {
  /** Publishes these rows now if nobody else has them; never throws. */
  dispatch(ids: readonly string[]): Promise<void>;
  /** Publishes every row that is due (unsent, lease expired, backoff over); returns how many. */
  dispatchDue(limit?: number): Promise<number>;
  /** Deletes published rows past the retention period; returns how many. */
  prune(): Promise<number>;
  startSweeper(intervalMs?: number): { stop(): Promise<void> };
}

const MAX_BACKOFF_SECONDS = 300;

function countByType(name: MetricName, events: readonly Envelope[]): void {
  const byType = new Map<string, number>();
  for (const { type } of events) byType.set(type, (byType.get(type) ?? 0) + 1);
  for (const [type, count] of byType) metrics.count(name, { type }, count);
}

export function createOutboxDispatcher(options: OutboxDispatcherOptions): OutboxDispatcher {
  const { db, outbox, publisher, logger } = options;
  const leaseSeconds = (options.leaseMs ?? 30_000) / 1000;
  const retentionSeconds = (options.retentionMs ?? 7 * 24 * 3600_000) / 1000;

  async function claimAndPublish(
    ids: readonly string[] | undefined,
    limit: number,
  ): Promise<number> {
    const due = db
      .select({ id: outbox.id })
      .from(outbox)
      .where(
        and(
          isNull(outbox.publishedAt),
          lte(outbox.nextAttemptAt, sql`now()`),
          ids ? inArray(outbox.id, [...ids]) : undefined,
        ),
      )
      .orderBy(asc(outbox.createdAt))
      .limit(limit)
      .for("update", { skipLocked: true });
    const claimed = await db
      .update(outbox)
      .set({
        attempts: sql`${outbox.attempts} + 1`,
        nextAttemptAt: sql`now() + make_interval(secs => ${leaseSeconds})`,
      })
      .where(inArray(outbox.id, due))
      .returning({ id: outbox.id, envelope: outbox.envelope, attempts: outbox.attempts });
    if (claimed.length === 0) return 0;
    const claimedIds = claimed.map((row) => row.id);
    const events = claimed.map((row) => JSON.parse(row.envelope) as Envelope);
    try {
      await inDispatchSpan(events, () => publisher.publish(events));
      countByType("events_published_total", events);
    } catch (error) {
      countByType("events_publish_failed_total", events);
      const attempts = Math.max(...claimed.map((row) => row.attempts));
      const backoff = Math.min(2 ** attempts, MAX_BACKOFF_SECONDS);
      await db
        .update(outbox)
        .set({
          nextAttemptAt: sql`now() + make_interval(secs => ${backoff})`,
          lastError: error instanceof Error ? error.message : String(error),
        })
        .where(inArray(outbox.id, claimedIds));
      logger.warn("outbox publish failed; will retry", {
        events: claimedIds.length,
        attempts,
        backoffSeconds: backoff,
        error: error as Error,
      });
      return 0;
    }
    await db
      .update(outbox)
      .set({ publishedAt: sql`now()`, lastError: null })
      .where(inArray(outbox.id, claimedIds));
    return claimed.length;
  }

  const dispatcher: OutboxDispatcher = {
    async dispatch(ids) {
      if (ids.length === 0) return;
      try {
        await claimAndPublish(ids, ids.length);
      } catch (error) {
        // The change is committed; the sweeper will publish what this could not.
        logger.warn("outbox dispatch failed", { error: error as Error });
      }
    },

    async dispatchDue(limit = 100) {
      let total = 0;
      for (
        let sent = await claimAndPublish(undefined, limit);
        sent > 0;
        sent = await claimAndPublish(undefined, limit)
      ) {
        total += sent;
      }
      return total;
    },

    async prune() {
      const deleted = await db
        .delete(outbox)
        .where(sql`${outbox.publishedAt} < now() - make_interval(secs => ${retentionSeconds})`)
        .returning({ id: outbox.id });
      return deleted.length;
    },

    startSweeper(intervalMs = 1000) {
      let stopped = false;
      let current: Promise<unknown> = Promise.resolve();
      const timer = setInterval(() => {
        if (stopped) return;
        current = current
          .then(() => dispatcher.dispatchDue())
          .catch((error) => logger.error("outbox sweep failed", { error: error as Error }));
      }, intervalMs);
      return {
        async stop() {
          stopped = true;
          clearInterval(timer);
          await current;
        },
      };
    },
  };
  return dispatcher;
}
