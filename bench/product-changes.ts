// The events bench's load: product changes through the catalog's Connect API, each product
// created and then adjusted in sequence, several products at once. Each change's commit, as a
// client sees it, is the moment its RPC returned; it is kept under the event's key (product id
// and revision), which the catalog's events carry too (event-clock.ts).
//
//   const run = await driveChanges(client, { changes: 1000, concurrency: 16, tag: "a" });
//   const run = await paceChanges(client, { changes: 400, perSecond: 50, maxInFlight: 16, tag: "b" });
//   run.commits; // "productId/revision" → performance.now() when the RPC returned

import { setTimeout as sleep } from "node:timers/promises";
import type { Client } from "@connectrpc/connect";
import type { CatalogService } from "../functions/gen/catalog/v1/catalog_pb.js";
import { eventKey } from "./event-clock.js";
import { BenchFailure } from "./measure.js";

/** Changes per product: one CreateProduct, then AdjustStock. */
export const CHANGES_PER_PRODUCT = 5;

/** Event key (`productId/revision`) → when the change's RPC returned (performance.now() ms). */
export type Commits = Map<string, number>;

export interface ChangeRun {
  commits: Commits;
  /** When the first change was sent and the last one returned (performance.now() ms). */
  startedAt: number;
  endedAt: number;
}

/** Closed loop: `concurrency` products at once, each created then adjusted in sequence. */
export async function driveChanges(
  client: Client<typeof CatalogService>,
  options: { changes: number; concurrency: number; tag: string; signal: AbortSignal },
): Promise<ChangeRun> {
  const changes = productChanges(client, options.tag);
  const products = Math.ceil(options.changes / CHANGES_PER_PRODUCT);
  let next = 0;
  const worker = async () => {
    for (let job = next++; job < products; job = next++) {
      const count = Math.min(CHANGES_PER_PRODUCT, options.changes - job * CHANGES_PER_PRODUCT);
      options.signal.throwIfAborted();
      const id = await changes.create(job);
      for (let change = 1; change < count; change++) {
        options.signal.throwIfAborted();
        await changes.adjust(id);
      }
    }
  };
  const startedAt = performance.now();
  const workers = Array.from({ length: Math.min(options.concurrency, products) }, worker);
  await settle(workers, options.signal);
  return { commits: changes.commits, startedAt, endedAt: performance.now() };
}

/**
 * Open loop: one change every 1/`perSecond` s whether or not earlier ones have returned (a
 * product's own changes still go in order), so a slow moment cannot thin out the load that
 * would have shown it. `maxInFlight` is only a safety: reaching it delays the schedule.
 */
export async function paceChanges(
  client: Client<typeof CatalogService>,
  options: {
    changes: number;
    perSecond: number;
    maxInFlight: number;
    tag: string;
    signal: AbortSignal;
  },
): Promise<ChangeRun> {
  const changes = productChanges(client, options.tag);
  const products = new Map<number, Promise<string>>();
  const inFlight = new Set<Promise<unknown>>();
  const all: Promise<unknown>[] = [];
  const startedAt = performance.now();
  for (let i = 0; i < options.changes && !options.signal.aborted; i++) {
    const wait = startedAt + (i * 1000) / options.perSecond - performance.now();
    if (wait > 0) await sleep(wait, undefined, { signal: options.signal }).catch(() => {});
    while (inFlight.size >= options.maxInFlight) await Promise.race(inFlight);
    const job = Math.floor(i / CHANGES_PER_PRODUCT);
    const created = products.get(job);
    const change: Promise<unknown> = created
      ? created.then((id) => changes.adjust(id))
      : changes.create(job);
    if (!created) products.set(job, change as Promise<string>);
    const tracked = change.finally(() => inFlight.delete(tracked));
    // Failures are reported by settle() below, once every change has returned.
    tracked.catch(() => {});
    inFlight.add(tracked);
    all.push(change);
  }
  await settle(all, options.signal);
  return { commits: changes.commits, startedAt, endedAt: performance.now() };
}

function productChanges(client: Client<typeof CatalogService>, tag: string) {
  const commits: Commits = new Map();
  return {
    commits,
    async create(job: number): Promise<string> {
      const { product } = await client.createProduct({
        sku: `BENCH-EV-${tag}-${job}`,
        name: `Bench event product ${tag} ${job}`,
        description: "Changed over and over by the events bench.",
        price: { amountMinor: 1999n, currency: "EUR" },
        initialStock: 100,
      });
      commits.set(eventKey(product), performance.now());
      return product?.id ?? "";
    },
    async adjust(id: string): Promise<void> {
      const { product } = await client.adjustStock({ id, delta: 1, reason: "bench" });
      commits.set(eventKey(product), performance.now());
    },
  };
}

async function settle(work: Promise<unknown>[], signal: AbortSignal): Promise<void> {
  const results = await Promise.allSettled(work);
  signal.throwIfAborted();
  const failed = results.find((result) => result.status === "rejected");
  if (failed) {
    const reason = failed.reason instanceof Error ? failed.reason.message : String(failed.reason);
    throw new BenchFailure(`a product change failed: ${reason}`);
  }
}
