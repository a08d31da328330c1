/**
 * Waiting for the saga to settle: every order in a final status, and nothing left on its way —
 * no message on a queue (hidden ones backing off included), no unpublished outbox row in any
 * service, nothing held back by a publisher wrapper — with no delivery or publication between
 * two such looks, since the places are looked at one after the other. A dead letter, or a
 * background job's failure, fails the wait at once: in these tests every event must apply.
 *
 * @example
 * const settled = settler({ ordersDb, queuesDb, outboxes, deadLetters, inFlight, activity, failures });
 * const rows = await settled([orderId], 30_000);
 */
import { setTimeout as sleep } from "node:timers/promises";
import { count, inArray, isNull } from "drizzle-orm";
import { type OrderRow, orderRows, type Status } from "../../functions/orders/db/schema.js";
import type { OrdersDb } from "../../functions/orders/order.js";
import { messages } from "../../functions/platform/bus/embedded/schema.js";
import type { BusDb } from "../../functions/platform/bus/embedded/subscriber.js";
import type { DeadLetterQueue } from "../../functions/platform/bus/port.js";
import type { Database } from "../../functions/platform/db/database.js";
import type { OutboxTable } from "../../functions/platform/events/outbox.js";
import { queueNames } from "../../functions/platform/events/topology.js";

/** The statuses an order ends in; every other one still waits for an event. */
export const FINAL_STATUSES: readonly Status[] = ["CONFIRMED", "REJECTED", "CANCELLED", "REFUNDED"];

export const isFinal = (status: Status) => FINAL_STATUSES.includes(status);

export interface SettleProbes {
  ordersDb: OrdersDb;
  queuesDb: BusDb;
  outboxes: readonly { db: Database<Record<string, unknown>>; table: OutboxTable }[];
  deadLetters: DeadLetterQueue;
  /** Envelopes a publisher wrapper has taken and not yet handed to the bus. */
  inFlight(): number;
  /** Changes whenever anything is delivered or published. */
  activity(): string;
  /** Failures of background jobs so far. */
  failures: readonly unknown[];
}

export type Settled = (
  orderIds: readonly string[],
  timeoutMs?: number,
) => Promise<Map<string, OrderRow>>;

const POLL_MS = 50;

export function settler(probes: SettleProbes): Settled {
  async function look(orderIds: readonly string[]) {
    const rows = orderIds.length
      ? await probes.ordersDb
          .select()
          .from(orderRows)
          .where(inArray(orderRows.id, [...orderIds]))
      : [];
    const [queued] = await probes.queuesDb
      .select({ n: count() })
      .from(messages)
      .where(isNull(messages.deadAt));
    let unpublished = 0;
    for (const { db, table } of probes.outboxes) {
      const [row] = await db.select({ n: count() }).from(table).where(isNull(table.publishedAt));
      unpublished += row?.n ?? 0;
    }
    const dead = await Promise.all(queueNames.map((queue) => probes.deadLetters.list(queue)));
    for (const [index, letters] of dead.entries()) {
      const [letter] = letters;
      if (letter) {
        throw new Error(
          `dead letter on ${queueNames[index]}: ${letter.reason} in ${letter.body.slice(0, 300)}`,
        );
      }
    }
    if (probes.failures.length > 0) {
      throw new AggregateError(probes.failures, "a background job of the saga failed");
    }
    const waiting = {
      unfinished: orderIds.length - rows.filter((row) => isFinal(row.status)).length,
      queued: queued?.n ?? 0,
      unpublished,
      inFlight: probes.inFlight(),
    };
    return { rows, waiting };
  }

  return async (orderIds, timeoutMs = 30_000) => {
    const deadline = Date.now() + timeoutMs;
    let quietAt: string | undefined;
    for (;;) {
      const activity = probes.activity();
      const { rows, waiting } = await look(orderIds);
      const quiet = Object.values(waiting).every((n) => n === 0);
      if (quiet && quietAt === activity && probes.activity() === activity) {
        return new Map(rows.map((row) => [row.id, row]));
      }
      quietAt = quiet && probes.activity() === activity ? activity : undefined;
      if (Date.now() > deadline) {
        throw new Error(
          `not settled after ${timeoutMs} ms, still waiting: ${JSON.stringify(waiting)}`,
        );
      }
      await sleep(POLL_MS);
    }
  };
}
