// The orders bench's load: PlaceOrder calls, each followed to its confirmation (saga-watch.ts).
// Per order: when PlaceOrder was sent, when its OrderPlaced was handed to the bus, when it
// returned (placed: the order is PENDING and its OrderPlaced on the bus) and when the order
// became CONFIRMED.
//
//   const run = await driveOrders(place, watch, { seconds: 15, concurrency: 8, timeoutMs, signal });
//   const run = await paceOrders(place, watch, { orders: 150, perSecond: 10, timeoutMs, signal });
//   orderFigures(run).p99Ms;

import { setMaxListeners } from "node:events";
import { setTimeout as sleep } from "node:timers/promises";
import { BenchInterrupted } from "./interrupt.js";
import { BenchFailure } from "./measure.js";
import type { SagaWatch } from "./saga-watch.js";
import { percentile } from "./stats.js";

/** Places the `n`-th order of a run; answers its id. */
export type PlaceOrder = (n: number) => Promise<string>;

export interface OrderSample {
  orderId: string;
  /** performance.now() ms: PlaceOrder sent, returned, the order CONFIRMED. */
  sentAt: number;
  returnedAt: number;
  confirmedAt: number;
  /** When the order's OrderPlaced was handed to the bus, just before PlaceOrder returned. */
  dispatchedAt: number;
}

export interface OrderRun {
  samples: OrderSample[];
  /** When the first PlaceOrder was sent (performance.now() ms). */
  startedAt: number;
}

export interface OrderFigures {
  orders: number;
  /** Orders placed per second: first PlaceOrder sent → last returned. */
  placedPerSecond: number;
  /** Orders CONFIRMED per second: first PlaceOrder sent → last CONFIRMED. */
  confirmedPerSecond: number;
  /** Placed (PlaceOrder returned) → CONFIRMED, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** OrderPlaced handed to the bus → CONFIRMED, ms: the saga alone. */
  fromDispatch: { p50Ms: number; p99Ms: number };
  /** PlaceOrder's own latency (sent → returned), ms. */
  placeOrder: { p50Ms: number; p99Ms: number };
  /** Orders CONFIRMED before their PlaceOrder had returned (latency ≤ 0). */
  confirmedBeforeReturn: number;
}

// Open loop only: PlaceOrder calls in flight at once before the schedule waits. A safety, far
// above what a paced rate below saturation needs.
const MAX_PLACE_IN_FLIGHT = 64;

/** Closed loop: `concurrency` orders in flight, each placed once the previous one is CONFIRMED. */
export async function driveOrders(
  place: PlaceOrder,
  watch: SagaWatch,
  options: { seconds: number; concurrency: number; timeoutMs: number; signal: AbortSignal },
): Promise<OrderRun> {
  const samples: OrderSample[] = [];
  const failures: unknown[] = [];
  // The first failure stops every worker at once.
  const stop = new AbortController();
  const signal = AbortSignal.any([options.signal, stop.signal]);
  // Every order waiting for its confirmation listens to it.
  setMaxListeners(0, signal);
  let next = 0;
  const startedAt = performance.now();
  const deadline = startedAt + options.seconds * 1000;
  const worker = async () => {
    try {
      while (performance.now() < deadline) {
        signal.throwIfAborted();
        const sentAt = performance.now();
        const orderId = await place(next++);
        const returnedAt = performance.now();
        const confirmedAt = await watch.confirmation(orderId, options.timeoutMs, signal);
        const dispatchedAt = watch.dispatchedAt(orderId) ?? Number.NaN;
        samples.push({ orderId, sentAt, returnedAt, confirmedAt, dispatchedAt });
      }
    } catch (error) {
      if (!stop.signal.aborted) failures.push(error);
      stop.abort(error);
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  options.signal.throwIfAborted();
  if (failures.length > 0) throw asFailure(failures[0], "an order failed");
  return { samples, startedAt };
}

/**
 * Open loop: one PlaceOrder every 1/`perSecond` s whether or not earlier orders have returned or
 * been CONFIRMED, so a slow moment cannot thin out the load that would have shown it.
 */
export async function paceOrders(
  place: PlaceOrder,
  watch: SagaWatch,
  options: { orders: number; perSecond: number; timeoutMs: number; signal: AbortSignal },
): Promise<OrderRun> {
  const { signal } = options;
  const inFlight = new Set<Promise<unknown>>();
  const all: Promise<OrderSample>[] = [];
  const startedAt = performance.now();
  for (let n = 0; n < options.orders && !signal.aborted; n++) {
    const wait = startedAt + (n * 1000) / options.perSecond - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal }).catch(() => {});
    while (inFlight.size >= MAX_PLACE_IN_FLIGHT) await Promise.race(inFlight);
    const sentAt = performance.now();
    const placed = place(n).then((orderId) => ({ orderId, returnedAt: performance.now() }));
    const tracked = placed.finally(() => inFlight.delete(tracked));
    // Failures are reported below, once every order has its outcome.
    tracked.catch(() => {});
    inFlight.add(tracked);
    all.push(
      placed.then(async ({ orderId, returnedAt }) => {
        const confirmedAt = await watch.confirmation(orderId, options.timeoutMs, signal);
        const dispatchedAt = watch.dispatchedAt(orderId) ?? Number.NaN;
        return { orderId, sentAt, returnedAt, confirmedAt, dispatchedAt };
      }),
    );
  }
  const results = await Promise.allSettled(all);
  signal.throwIfAborted();
  const failed = results.flatMap((result) => (result.status === "rejected" ? [result.reason] : []));
  if (failed.length > 0) {
    throw asFailure(failed[0], `${failed.length} of ${results.length} orders failed, the first`);
  }
  return {
    samples: results.flatMap((result) => (result.status === "fulfilled" ? [result.value] : [])),
    startedAt,
  };
}

export function orderFigures(run: OrderRun): OrderFigures {
  const { samples, startedAt } = run;
  const latencies = Float64Array.from(samples, (s) => s.confirmedAt - s.returnedAt).sort();
  const saga = Float64Array.from(samples, (s) => s.confirmedAt - s.dispatchedAt).sort();
  const placing = Float64Array.from(samples, (s) => s.returnedAt - s.sentAt).sort();
  const last = (pick: (s: OrderSample) => number) =>
    samples.reduce((latest, sample) => Math.max(latest, pick(sample)), Number.NEGATIVE_INFINITY);
  const perSecond = (until: number) => samples.length / ((until - startedAt) / 1000);
  return {
    orders: samples.length,
    placedPerSecond: perSecond(last((s) => s.returnedAt)),
    confirmedPerSecond: perSecond(last((s) => s.confirmedAt)),
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    maxMs: latencies[latencies.length - 1] ?? Number.NaN,
    fromDispatch: { p50Ms: percentile(saga, 50), p99Ms: percentile(saga, 99) },
    placeOrder: { p50Ms: percentile(placing, 50), p99Ms: percentile(placing, 99) },
    confirmedBeforeReturn: latencies.filter((latency) => latency <= 0).length,
  };
}

function asFailure(error: unknown, context: string): Error {
  if (error instanceof BenchInterrupted) return error;
  const message = error instanceof Error ? error.message : String(error);
  return new BenchFailure(`${context}: ${message}`);
}
