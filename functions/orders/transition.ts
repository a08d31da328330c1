// Applies the state machine to a stored order: lock the row, decide, write the change (a new
// revision and a line of history for a new status) and build the event it announces. Runs
// inside the caller's transaction: a consumer's handler or a change.
import { eq } from "drizzle-orm";
import type { Envelope } from "../platform/events/envelope.js";
import { metrics } from "../platform/metrics.js";
import { orderRows, orderStatusChanges, shortLines } from "./db/schema.js";
import { outcomeEvent } from "./events.js";
import { type OrdersDb, readOrder, readRest, toOrderMessage, type WholeOrder } from "./order.js";
import { type Change, decide, type Step } from "./state-machine.js";

export interface Transition {
  /** The order after the step (unchanged when the step changed nothing). */
  order: WholeOrder;
  /** The event to publish in the same transaction, if the change announces one. */
  event?: Envelope;
}

/** Moves order `id` by `step`; undefined when there is no such order. */
export async function transition(
  tx: OrdersDb,
  id: string,
  step: Step,
  now = new Date(),
): Promise<Transition | undefined> {
  const order = await readOrder(tx, id, { lock: true });
  if (!order) return undefined;
  return applyChange(tx, order, decide(order.row, step, now), now);
}

/** Writes `change` (if any) to `order`, whose row the transaction has locked. */
export async function applyChange(
  tx: OrdersDb,
  order: WholeOrder,
  change: Change | undefined,
  now = new Date(),
): Promise<Transition> {
  if (!change) return { order };
  const { row } = order;
  const revision = change.status ? row.revision + 1 : row.revision;
  const [updated] = await tx
    .update(orderRows)
    .set({
      ...(change.status ? { status: change.status, revision, updatedAt: now } : {}),
      ...(change.rejectionReason ? { rejectionReason: change.rejectionReason } : {}),
      ...(change.reservationExpiresAt ? { reservationExpiresAt: change.reservationExpiresAt } : {}),
      ...(change.refunded ? { refunded: true } : {}),
      ...(change.restocked ? { restocked: true } : {}),
    })
    .where(eq(orderRows.id, row.id))
    .returning();
  if (!updated) throw new Error(`order ${row.id} vanished under its lock`);
  if (change.status) {
    await tx
      .insert(orderStatusChanges)
      .values({ orderId: row.id, revision, status: change.status, at: now });
  }
  if (change.shortLines && change.shortLines.length > 0) {
    await tx
      .insert(shortLines)
      .values(change.shortLines.map((line) => ({ orderId: row.id, ...line })))
      .onConflictDoNothing();
  }
  const after = await readRest(tx, updated);
  countOutcome(change);
  return change.announce
    ? { order: after, event: outcomeEvent(change.announce, toOrderMessage(after)) }
    : { order: after };
}

/**
 * Counts an order's outcome where it is written, under the row lock: a repeated or late step
 * decides no change and counts nothing. (Written, not yet committed: should the rest of the
 * transaction fail, the retry counts it again. That is rare and errs by one.)
 */
function countOutcome({ status, rejectionReason }: Change): void {
  if (status === "CONFIRMED") metrics.count("orders_confirmed_total");
  else if (status === "REJECTED") {
    const reason = (rejectionReason ?? "UNSPECIFIED").toLowerCase();
    metrics.count("orders_rejected_total", { reason });
  } else if (status === "CANCELLED" || status === "REFUND_PENDING") {
    metrics.count("orders_cancelled_total", { status: status.toLowerCase() });
  } else if (status === "REFUNDED") metrics.count("orders_refunded_total");
}
