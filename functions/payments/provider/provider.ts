/**
 * The payment provider port: authorize, capture, void and refund, each with an idempotency key
 * (the order id and the operation), so a request repeated after a lost answer or a redelivery
 * returns what the first one did instead of charging again. `withRetries` retries transient
 * failures with backoff; anything else, or a failure that outlasts the retries, is thrown so
 * the event is redelivered.
 *
 * @example
 * const provider = withRetries(simulatedProvider(tx));
 * const authorization = await provider.authorize({
 *   idempotencyKey: idempotencyKey(orderId, "authorize"), token, amount,
 * });
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { DeclineReasonName, ProviderOperation } from "../db/schema.js";
import type { PaymentsDb } from "../payment.js";

export interface Amount {
  amountMinor: bigint;
  currency: string;
}

export type Authorization =
  | { approved: true; authorizationId: string }
  | { approved: false; reason: DeclineReasonName };

export interface PaymentProvider {
  authorize(request: {
    idempotencyKey: string;
    token: string;
    amount: Amount;
  }): Promise<Authorization>;
  capture(request: {
    idempotencyKey: string;
    authorizationId: string;
    amount: Amount;
  }): Promise<void>;
  void(request: { idempotencyKey: string; authorizationId: string }): Promise<void>;
  refund(request: {
    idempotencyKey: string;
    authorizationId: string;
    amount: Amount;
  }): Promise<void>;
}

/** The provider for the work of one event, given the transaction that work runs in. */
export type ProviderFor = (tx: PaymentsDb) => PaymentProvider;

/** The provider could not answer this time (timeout, 5xx); the same request may succeed later. */
export class TransientProviderError extends Error {
  override name = "TransientProviderError";
}

/** The provider refused the request itself; repeating it will not help. */
export class ProviderError extends Error {
  override name = "ProviderError";
}

/** One key per order and operation: a repeated request is recognised, a new one never merged. */
export const idempotencyKey = (orderId: string, operation: ProviderOperation) =>
  `${orderId}:${operation}`;

export interface RetryPolicy {
  /** Attempts in all, the first included. */
  attempts: number;
  /** Delay before the first retry; it doubles each time (with jitter). */
  baseDelayMs: number;
}

// Small on purpose: the retries run inside the event's transaction, holding the payment's row
// lock, and the bus redelivers (with its own backoff) whatever these do not fix.
export const PROVIDER_RETRY: RetryPolicy = { attempts: 4, baseDelayMs: 20 };

/** Runs `call`, retrying transient provider failures with exponential backoff. */
export async function retryTransient<T>(
  call: () => Promise<T>,
  policy: RetryPolicy = PROVIDER_RETRY,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (!(error instanceof TransientProviderError) || attempt >= policy.attempts) throw error;
      const ceiling = policy.baseDelayMs * 2 ** (attempt - 1);
      await sleep(ceiling / 2 + (Math.random() * ceiling) / 2);
    }
  }
}

/** The same provider, each call retried on transient failures. */
export function withRetries(
  provider: PaymentProvider,
  policy: RetryPolicy = PROVIDER_RETRY,
): PaymentProvider {
  return {
    authorize: (request) => retryTransient(() => provider.authorize(request), policy),
    capture: (request) => retryTransient(() => provider.capture(request), policy),
    void: (request) => retryTransient(() => provider.void(request), policy),
    refund: (request) => retryTransient(() => provider.refund(request), policy),
  };
}
