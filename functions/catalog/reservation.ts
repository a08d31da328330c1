// What the stock reservation slices share (docs/order-saga.md, "catalog (reservations)"): the
// order an event carries, and moving stock with the products locked in one fixed order.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import * as v from "valibot";
import type { Order } from "../gen/orders/v1/orders_pb.js";
import { PoisonMessage } from "../platform/bus/port.js";
import type { Envelope } from "../platform/events/envelope.js";
import { uuidRule } from "../platform/validation/rules.js";
import { products, type ReservationRow, reservationLines, reservations } from "./db/schema.js";
import { stockAdjusted } from "./events.js";
import type { CatalogDb } from "./product.js";

/** Names the reservations consumer in the inbox; keep it stable. */
export const RESERVATIONS_CONSUMER = "stock-reservations";

/** Units per product id, in product id order. */
export type Units = ReadonlyMap<string, number>;

const isUuid = (id: string) => v.is(uuidRule, id);

/** The order an orders event carries; without one (or with a bad id) the event is poison. */
export function orderOf(order: Order | undefined): Order {
  if (!order || !isUuid(order.id)) throw new PoisonMessage("event carries no order with a UUID id");
  return order;
}

/** The units an order asks for, quantities of a repeated product summed. */
export function unitsOf(order: Order): Units {
  if (order.lines.length === 0) throw new PoisonMessage(`order ${order.id} has no lines`);
  const units = new Map<string, number>();
  for (const line of order.lines) {
    if (!Number.isInteger(line.quantity) || line.quantity <= 0) {
      throw new PoisonMessage(`order ${order.id} has a line of ${line.quantity} units`);
    }
    units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  }
  return sortedById(units);
}

const sortedById = (units: Units): Units =>
  new Map([...units].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

/**
 * Locks these products `FOR UPDATE`, in id order so that two transactions never wait on each
 * other in a cycle, and answers the stock of those that exist (an id that is no UUID names no
 * product).
 */
export async function lockStock(tx: CatalogDb, productIds: Iterable<string>): Promise<Units> {
  const ids = [...new Set(productIds)].filter(isUuid);
  if (ids.length === 0) return new Map();
  const rows = await tx
    .select({ id: products.id, stock: products.stock })
    .from(products)
    .where(inArray(products.id, ids))
    .orderBy(asc(products.id))
    .for("update");
  return new Map(rows.map((row) => [row.id, row.stock]));
}

/**
 * Adds each delta to its product's stock (locked first with `lockStock`), moving the product's
 * revision and update time, and answers a StockAdjusted per product for the listing.
 */
export async function moveStock(tx: CatalogDb, deltas: Units, reason: string): Promise<Envelope[]> {
  const events: Envelope[] = [];
  for (const [id, delta] of sortedById(deltas)) {
    if (delta === 0) continue;
    const [row] = await tx
      .update(products)
      .set({
        stock: sql`${products.stock} + ${delta}`,
        updatedAt: sql`now()`,
        revision: sql`${products.revision} + 1`,
      })
      .where(eq(products.id, id))
      .returning();
    // Products are never deleted, so a reserved product is still there.
    if (row) events.push(stockAdjusted(row, delta, reason));
  }
  return events;
}

export interface ShortLine {
  productId: string;
  requested: number;
  available: number;
}

/**
 * All or nothing: locks the products, and takes every unit if every line fits; otherwise takes
 * nothing and answers every short line (an unknown product has 0 available).
 */
export async function takeStock(
  tx: CatalogDb,
  units: Units,
  reason: string,
): Promise<{ taken: true; events: Envelope[] } | { taken: false; short: ShortLine[] }> {
  const stock = await lockStock(tx, units.keys());
  const short = [...units].flatMap(([productId, requested]) => {
    const available = stock.get(productId) ?? 0;
    return available < requested ? [{ productId, requested, available }] : [];
  });
  if (short.length > 0) return { taken: false, short };
  const taken = new Map([...units].map(([id, quantity]) => [id, -quantity]));
  return { taken: true, events: await moveStock(tx, taken, reason) };
}

/** Puts units back in stock. */
export async function putBack(tx: CatalogDb, units: Units, reason: string): Promise<Envelope[]> {
  await lockStock(tx, units.keys());
  return moveStock(tx, units, reason);
}

/** The reservation of an order, locked for this transaction. */
export async function lockReservation(
  tx: CatalogDb,
  orderId: string,
): Promise<ReservationRow | undefined> {
  const [row] = await tx
    .select()
    .from(reservations)
    .where(eq(reservations.orderId, orderId))
    .for("update");
  return row;
}

/** The units a reservation holds (or held). */
export async function reservedUnits(tx: CatalogDb, orderIds: readonly string[]): Promise<Units> {
  if (orderIds.length === 0) return new Map();
  const lines = await tx
    .select()
    .from(reservationLines)
    .where(inArray(reservationLines.orderId, [...orderIds]));
  const units = new Map<string, number>();
  for (const line of lines) {
    units.set(line.productId, (units.get(line.productId) ?? 0) + line.quantity);
  }
  return sortedById(units);
}

/** Records what a reservation holds. */
export async function recordUnits(tx: CatalogDb, orderId: string, units: Units): Promise<void> {
  if (units.size === 0) return;
  await tx
    .insert(reservationLines)
    .values([...units].map(([productId, quantity]) => ({ orderId, productId, quantity })));
}

// Settled reservations are kept 14 days (the inbox's retention, and the longest an SQS queue
// keeps a message), never less than 7: a `released` tombstone must outlive any OrderPlaced
// still on its way, or that late placement would take stock for an order that is already
// over; and every settled row must outlive redeliveries of the events that settled it.
// `reserved` rows are never pruned: the expiry job settles them.
const RESERVATION_RETENTION_SECONDS = 14 * 24 * 3600;

/** Deletes settled reservations (and their lines) past retention; answers how many. */
export async function pruneReservations(
  db: CatalogDb,
  retentionSeconds = RESERVATION_RETENTION_SECONDS,
): Promise<number> {
  const deleted = await db
    .delete(reservations)
    .where(
      and(
        inArray(reservations.status, ["rejected", "committed", "released", "returned"]),
        lt(reservations.updatedAt, sql`now() - make_interval(secs => ${retentionSeconds})`),
      ),
    )
    .returning({ orderId: reservations.orderId });
  return deleted.length;
}
