// Idempotency keys of PlaceOrder, as a wrapper around placing: per customer, a key names the
// first order it made for 24 hours. The same key with the same request answers that order and
// creates nothing; with another request it is refused. Two requests racing with one key meet at
// the key's primary key: the loser's transaction rolls back and it answers the winner's order.
import { createHash } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { and, eq, gte, lt, sql } from "drizzle-orm";
import type { PlaceOrderRequest } from "../../../gen/orders/v1/orders_pb.js";
import { isUniqueViolation } from "../../../platform/db/errors.js";
import { idempotencyKeys } from "../../db/schema.js";
import type { OrdersDb } from "../../order.js";

export const KEY_RETENTION_HOURS = 24;
const retention = sql`now() - make_interval(hours => ${KEY_RETENTION_HOURS})`;

export interface KeyScope {
  customerId: string;
  key: string;
  requestHash: string;
}

/** Records the key for `orderId` inside the transaction that creates the order. */
export type ClaimKey = (tx: OrdersDb, orderId: string) => Promise<void>;

/** A digest of what the request asks for: its lines in order and its payment token. */
export function requestHash(request: PlaceOrderRequest): string {
  const asked = [
    request.lines.map((line) => [line.productId.toLowerCase(), line.quantity]),
    request.paymentToken,
  ];
  return createHash("sha256").update(JSON.stringify(asked)).digest("base64url");
}

/**
 * Places once per key: `place` runs (and must call `claim` in its transaction) unless the key
 * already names an order, which `replay` then answers. Without a key, `place` simply runs.
 */
export async function idempotent<T>(
  db: OrdersDb,
  scope: KeyScope | undefined,
  place: (claim: ClaimKey) => Promise<T>,
  replay: (orderId: string) => Promise<T>,
): Promise<T> {
  if (!scope) return place(async () => {});
  const first = await orderOfKey(db, scope);
  if (first) return replay(first);
  try {
    return await place((tx, orderId) => claimKey(tx, scope, orderId));
  } catch (error) {
    if (!isUniqueViolation(error, "idempotency_keys_customer_id_key_pk")) throw error;
    // Another request with this key committed first: answer as a repeat of it.
    const winner = await orderOfKey(db, scope);
    if (!winner) throw error;
    return replay(winner);
  }
}

/** The order a live key made, or undefined; refuses a key reused for another request. */
async function orderOfKey(db: OrdersDb, scope: KeyScope): Promise<string | undefined> {
  const [row] = await db
    .select()
    .from(idempotencyKeys)
    .where(and(sameKey(scope), gte(idempotencyKeys.createdAt, retention)));
  if (!row) return undefined;
  if (row.requestHash !== scope.requestHash) {
    throw new ConnectError(
      "this idempotency key was used for a different request",
      Code.AlreadyExists,
    );
  }
  return row.orderId;
}

async function claimKey(tx: OrdersDb, scope: KeyScope, orderId: string): Promise<void> {
  // A key past its 24 hours is free again, pruned or not.
  await tx
    .delete(idempotencyKeys)
    .where(and(sameKey(scope), lt(idempotencyKeys.createdAt, retention)));
  await tx.insert(idempotencyKeys).values({ ...scope, orderId });
}

const sameKey = (scope: KeyScope) =>
  and(eq(idempotencyKeys.customerId, scope.customerId), eq(idempotencyKeys.key, scope.key));

/** Deletes keys past their 24 hours; returns how many. */
export async function pruneIdempotencyKeys(db: OrdersDb): Promise<number> {
  const deleted = await db
    .delete(idempotencyKeys)
    .where(lt(idempotencyKeys.createdAt, retention))
    .returning({ key: idempotencyKeys.key });
  return deleted.length;
}
