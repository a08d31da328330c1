/**
 * The only way a service changes state and publishes: the change and its events commit in one
 * transaction (through the outbox), then the events are dispatched at once. Publishing to a
 * broker anywhere else is a bug.
 *
 * @example
 * const change = createChangeRunner({ db, outbox, dispatcher });
 * const product = await change(async (tx) => {
 *   const [row] = await tx.insert(products).values(values).returning();
 *   return { result: row, events: [toEnvelope({ ... })] };
 * });
 */
import type { Database } from "../db/database.js";
import type { Envelope } from "./envelope.js";
import { type OutboxTable, recordEvents } from "./outbox.js";
import type { OutboxDispatcher } from "./outbox-dispatcher.js";
import { inOutboxWriteSpan } from "./trace-context.js";

/** How long a change (or a consumer's reaction) waits for its events' dispatch after commit. */
export const DISPATCH_WAIT_MS = 1000;

/** Waits for `promise` or `ms`, whichever is first, and leaves no timer behind. */
export async function waitAtMost(promise: Promise<unknown>, ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([promise, new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)))]);
  clearTimeout(timer);
}

export type ChangeRunner<TSchema extends Record<string, unknown>> = <T>(
  work: (tx: Database<TSchema>) => Promise<{ result: T; events: Envelope[] }>,
) => Promise<T>;

export function createChangeRunner<TSchema extends Record<string, unknown>>(options: {
  db: Database<TSchema>;
  outbox: OutboxTable;
  dispatcher: OutboxDispatcher;
}): ChangeRunner<TSchema> {
  return async (work) => {
    const { result, ids } = await options.db.transaction(async (tx) => {
      const { result, events: made } = await work(tx as unknown as Database<TSchema>);
      const events = await inOutboxWriteSpan(made, (stamped) =>
        recordEvents(tx as unknown as Database<Record<string, unknown>>, options.outbox, stamped),
      );
      return { result, ids: events.map((event) => event.id) };
    });
    // Publish now, but never hold the caller long for a slow or absent broker: the change is
    // committed and the sweeper retries whatever this does not finish.
    await waitAtMost(options.dispatcher.dispatch(ids), DISPATCH_WAIT_MS);
    return result;
  };
}
