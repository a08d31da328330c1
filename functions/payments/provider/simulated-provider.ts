/**
 * A simulated payment provider with deterministic test tokens, keeping its records in the
 * payments schema (`provider_records`, one row per idempotency key):
 *
 * - `tok_success` authorizes; `tok_declined` and any other token are declined;
 *   `tok_insufficient_funds` is declined for insufficient funds;
 * - `tok_flaky` authorizes, but the answer is lost the first two times the key is used (a
 *   timeout after the provider did the work, the case idempotency keys exist for): the caller's
 *   retry gets the authorization already made, never a second one.
 *
 * Where its records live is a trade-off. A real provider keeps its state outside our
 * transaction: an authorization made before our transaction rolls back stays made, and the
 * redelivered event's request, with the same key, gets it back instead of a second charge.
 * Simulating that needs a write that survives the handler's rollback, that is a second
 * connection; on PGlite (one connection) a query outside the open transaction waits for that
 * transaction forever. So the records are written in the handler's transaction (`tx`) and roll
 * back with it: in the simulation a rolled-back charge never happened, which ends in the same
 * state (charged once) by another road. The keys still dedupe the retries inside a delivery.
 *
 * @example
 * const provider = withRetries(simulatedProvider(tx));
 * await provider.authorize({ idempotencyKey: idempotencyKey(orderId, "authorize"), token: "tok_success", amount });
 */
import { sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { type DeclineReasonName, type ProviderOperation, providerRecords } from "../db/schema.js";
import type { PaymentsDb } from "../payment.js";
import {
  type Amount,
  type PaymentProvider,
  ProviderError,
  TransientProviderError,
} from "./provider.js";

export const TEST_TOKENS = {
  success: "tok_success",
  declined: "tok_declined",
  insufficientFunds: "tok_insufficient_funds",
  flaky: "tok_flaky",
} as const;

/** How many times in a row `tok_flaky` loses the answer before it gives it. */
export const FLAKY_FAILURES = 2;

type Result = "approved" | DeclineReasonName;

function resultFor(token: string): Result {
  switch (token) {
    case TEST_TOKENS.success:
    case TEST_TOKENS.flaky:
      return "approved";
    case TEST_TOKENS.insufficientFunds:
      return "insufficient_funds";
    default:
      return "declined";
  }
}

interface Request {
  idempotencyKey: string;
  operation: ProviderOperation;
  authorizationId: string | null;
  token: string | null;
  amount: Amount | null;
  result: Result;
}

export function simulatedProvider(tx: PaymentsDb): PaymentProvider {
  /** Records the request under its key, or counts one more attempt of the recorded one. */
  async function record(request: Request) {
    const [row] = await tx
      .insert(providerRecords)
      .values({
        idempotencyKey: request.idempotencyKey,
        operation: request.operation,
        authorizationId: request.authorizationId,
        token: request.token,
        amountMinor: request.amount?.amountMinor ?? null,
        currency: request.amount?.currency ?? null,
        result: request.result,
      })
      .onConflictDoUpdate({
        target: providerRecords.idempotencyKey,
        set: { attempts: sql`${providerRecords.attempts} + 1` },
      })
      .returning();
    if (!row) throw new Error("provider record not written");
    const same =
      row.operation === request.operation &&
      row.token === request.token &&
      row.amountMinor === (request.amount?.amountMinor ?? null) &&
      row.currency === (request.amount?.currency ?? null) &&
      // An authorization names itself; a later operation names the authorization it acts on.
      (request.operation === "authorize" || row.authorizationId === request.authorizationId);
    if (!same) {
      throw new ProviderError(
        `idempotency key ${request.idempotencyKey} reused for another request`,
      );
    }
    return row;
  }

  /** Capture, void and refund always succeed here: they act on our own authorization. */
  async function settle(
    operation: Exclude<ProviderOperation, "authorize">,
    request: { idempotencyKey: string; authorizationId: string; amount: Amount | null },
  ): Promise<void> {
    await record({ ...request, operation, token: null, result: "approved" });
  }

  return {
    async authorize({ idempotencyKey, token, amount }) {
      const result = resultFor(token);
      const row = await record({
        idempotencyKey,
        operation: "authorize",
        authorizationId: result === "approved" ? `auth_${uuidv7()}` : null,
        token,
        amount,
        result,
      });
      if (token === TEST_TOKENS.flaky && row.attempts <= FLAKY_FAILURES) {
        throw new TransientProviderError("provider timed out (simulated)");
      }
      if (row.result === "approved" && row.authorizationId) {
        return { approved: true, authorizationId: row.authorizationId };
      }
      return { approved: false, reason: row.result as DeclineReasonName };
    },
    capture: (request) => settle("capture", request),
    void: (request) => settle("void", { ...request, amount: null }),
    refund: (request) => settle("refund", request),
  };
}

/**
 * Deletes provider records older than `retentionMs` (a day by default, as real providers keep
 * idempotency keys): past it, the payment's own status is what stops a repeat.
 */
export async function pruneProviderRecords(
  db: PaymentsDb,
  retentionMs = 24 * 3600_000,
): Promise<number> {
  const deleted = await db
    .delete(providerRecords)
    .where(sql`${providerRecords.createdAt} < now() - make_interval(secs => ${retentionMs / 1000})`)
    .returning({ key: providerRecords.idempotencyKey });
  return deleted.length;
}
