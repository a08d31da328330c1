/**
 * A publisher wrapper for the saga harness that makes the bus misbehave within its contract
 * (at least once, in no particular order): while `unruly` is on, every envelope is accepted at
 * once and each of its `copies` reaches the bus after a random delay of its own, so an event is
 * delivered twice and later events overtake earlier ones, as from a broker that delivers what
 * it accepted late. Off, it passes everything straight through.
 *
 * The delays come from a seeded generator: a failure names its seed, and SAGA_CHAOS_SEED
 * replays it.
 *
 * @example
 * const bus = unrulyPublisher({ copies: 2, maxDelayMs: 50 });
 * const saga = useSaga(kind, { publisher: bus.wrap });
 * bus.unruly = true;
 */
import type { BusPublisher } from "../../functions/platform/bus/port.js";
import type { Envelope } from "../../functions/platform/events/envelope.js";
import type { PublisherWrapper, WrappedPublisher } from "./harness.js";

export interface UnrulyPublisher {
  wrap: PublisherWrapper;
  /** Whether envelopes are duplicated and delayed now. */
  unruly: boolean;
  readonly seed: number;
  /** Envelopes that reached the bus after one accepted later than them. */
  readonly overtaken: number;
  /** Copies handed to the bus while unruly. */
  readonly copiesSent: number;
  /** What the bus refused when a delayed copy was handed to it (should stay empty). */
  readonly failures: unknown[];
}

export function unrulyPublisher(options: {
  copies?: number;
  maxDelayMs?: number;
  seed?: number;
}): UnrulyPublisher {
  const copies = options.copies ?? 2;
  const maxDelayMs = options.maxDelayMs ?? 50;
  const seed = options.seed ?? (Number(process.env.SAGA_CHAOS_SEED) || Date.now() % 2 ** 31);
  const random = mulberry32(seed);
  const pending = new Set<Promise<void>>();
  const failures: unknown[] = [];
  let accepted = 0;
  let latestSent = 0;
  let overtaken = 0;
  let copiesSent = 0;

  const state: UnrulyPublisher = {
    unruly: false,
    seed,
    failures,
    get overtaken() {
      return overtaken;
    },
    get copiesSent() {
      return copiesSent;
    },
    wrap: (bus: BusPublisher): WrappedPublisher => {
      const later = (envelope: Envelope, order: number) => {
        const sent = (async () => {
          await new Promise((resolve) => setTimeout(resolve, random() * maxDelayMs));
          if (order < latestSent) overtaken += 1;
          latestSent = Math.max(latestSent, order);
          copiesSent += 1;
          await bus.publish([envelope]);
        })().catch((error: unknown) => void failures.push(error));
        pending.add(sent);
        void sent.finally(() => pending.delete(sent));
      };
      return {
        async publish(envelopes) {
          if (!state.unruly) return bus.publish(envelopes);
          for (const envelope of envelopes) {
            accepted += 1;
            for (let copy = 0; copy < copies; copy++) later(envelope, accepted);
          }
        },
        inFlight: () => pending.size,
        async close() {
          while (pending.size > 0) await Promise.all(pending);
        },
      };
    },
  };
  return state;
}

/** A small seeded generator of numbers in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
