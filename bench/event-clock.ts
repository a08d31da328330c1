// Clocks of the events bench: when each event passed a point (the outbox handing it to the bus,
// the consumer finishing it), keyed like commits by "productId/revision", which every catalog
// event carries in its product. Envelopes are decoded only when a time is asked for, so
// recording costs the measured path nothing but a push.
//
//   const handled = new EventClock();
//   handled.record(delivery.body);                  // right after the consumer returned
//   await handled.waitFor(run.commits.keys(), 60_000, signal);
//   const figures = eventFigures(run, handled, dispatched);

import { type DescMessage, fromBinary } from "@bufbuild/protobuf";
import type { Product } from "../functions/gen/catalog/v1/catalog_pb.js";
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockAdjustedSchema,
} from "../functions/gen/catalog/v1/events_pb.js";
import { BenchFailure } from "./measure.js";
import type { ChangeRun } from "./product-changes.js";
import { percentile } from "./stats.js";

export interface EventFigures {
  events: number;
  /** Changes committed per second, first RPC sent to last returned. */
  committedPerSecond: number;
  /** Events handled per second, first commit to last handled. */
  eventsPerSecond: number;
  /** Commit (the RPC returned) → handled, ms. */
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  /** Dispatched (the outbox handed the event to the bus, just after commit) → handled, ms. */
  fromDispatch: { p50Ms: number; p99Ms: number; maxMs: number };
  /** Events the consumer finished before their RPC had returned (latency ≤ 0). */
  handledBeforeReturn: number;
  /** Deliveries of an event after the first (at-least-once). */
  redeliveries: number;
}

type EnvelopeLike = { type: string; data_base64: string };

export const eventKey = (product: Product | undefined) =>
  `${product?.id ?? "?"}/${product?.revision ?? 0}`;

const schemas = new Map<string, DescMessage>(
  [ProductCreatedSchema, ProductUpdatedSchema, StockAdjustedSchema].map((schema) => [
    schema.typeName,
    schema,
  ]),
);

export class EventClock {
  private readonly raw: { event: string | EnvelopeLike; at: number }[] = [];
  private readonly firstAt = new Map<string, number>();
  private repeated = 0;

  /** An envelope, or a delivery's body (an envelope as JSON), passing now. */
  record(event: string | EnvelopeLike): void {
    this.raw.push({ event, at: performance.now() });
  }

  /** Forgets everything recorded so far (the previous phase's events). */
  clear(): void {
    this.raw.length = 0;
    this.firstAt.clear();
    this.repeated = 0;
  }

  /** Events recorded again after their first time (redeliveries, republishing). */
  get repeats(): number {
    this.decode();
    return this.repeated;
  }

  /** When the event first passed, if it has. */
  at(key: string): number | undefined {
    this.decode();
    return this.firstAt.get(key);
  }

  /** Resolves once every key has passed; fails the bench after `timeoutMs`. */
  async waitFor(keys: Iterable<string>, timeoutMs: number, signal: AbortSignal): Promise<void> {
    const pending = new Set(keys);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      for (const key of pending) if (this.at(key) !== undefined) pending.delete(key);
      if (pending.size === 0) return;
      if (Date.now() > deadline) {
        throw new BenchFailure(
          `${pending.size} events not handled within ${timeoutMs / 1000} s of the last commit`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  private decode(): void {
    for (const { event, at } of this.raw.splice(0)) {
      const envelope = typeof event === "string" ? (JSON.parse(event) as EnvelopeLike) : event;
      const schema = schemas.get(envelope.type);
      if (!schema) continue;
      const message = fromBinary(schema, Buffer.from(envelope.data_base64, "base64")) as {
        product?: Product;
      };
      const key = eventKey(message.product);
      if (this.firstAt.has(key)) this.repeated += 1;
      else this.firstAt.set(key, at);
    }
  }
}

export function eventFigures(
  run: ChangeRun,
  handled: EventClock,
  dispatched: EventClock,
): EventFigures {
  const fromReturn = new Float64Array(run.commits.size);
  const fromDispatch = new Float64Array(run.commits.size);
  let firstCommit = Number.POSITIVE_INFINITY;
  let lastHandled = Number.NEGATIVE_INFINITY;
  let i = 0;
  for (const [key, committedAt] of run.commits) {
    const handledAt = handled.at(key) ?? Number.NaN;
    fromReturn[i] = handledAt - committedAt;
    fromDispatch[i] = handledAt - (dispatched.at(key) ?? Number.NaN);
    i += 1;
    firstCommit = Math.min(firstCommit, committedAt);
    lastHandled = Math.max(lastHandled, handledAt);
  }
  fromReturn.sort();
  fromDispatch.sort();
  const events = run.commits.size;
  return {
    events,
    committedPerSecond: events / ((run.endedAt - run.startedAt) / 1000),
    eventsPerSecond: events / ((lastHandled - firstCommit) / 1000),
    p50Ms: percentile(fromReturn, 50),
    p99Ms: percentile(fromReturn, 99),
    maxMs: fromReturn[fromReturn.length - 1] ?? Number.NaN,
    fromDispatch: {
      p50Ms: percentile(fromDispatch, 50),
      p99Ms: percentile(fromDispatch, 99),
      maxMs: fromDispatch[fromDispatch.length - 1] ?? Number.NaN,
    },
    handledBeforeReturn: fromReturn.filter((latency) => latency <= 0).length,
    redeliveries: handled.repeats,
  };
}
