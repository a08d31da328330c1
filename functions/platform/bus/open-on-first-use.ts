/**
 * A bus that opens its transport the first time something uses it: a publish, a probe, a
 * subscriber's start, a dead-letter call. For SNS/SQS in Lambda, loading the AWS SDK's clients
 * is about a third of a service's cold start, and an invocation that publishes nothing (a
 * read, an event that changes nothing, a health check) need not pay for it.
 *
 * Opening is shared by concurrent first uses; an open that fails is tried again on the next
 * use, so the outbox's retry reaches a transport that was down. Closing a bus never used opens
 * nothing, and a closed bus publishes nothing.
 *
 * @example
 * const bus = openOnFirstUse(() => openSnsSqsBus({ namespace, logger }));
 * await bus.publisher.publish([envelope]); // the SDK loads here
 */
import type { Envelope } from "../events/envelope.js";
import type { Bus } from "./open-bus.js";
import type { BusSubscriber, DeliveryHandler } from "./port.js";
import { abortable } from "./probe.js";

export function openOnFirstUse(open: () => Promise<Bus>): Bus {
  let opening: Promise<Bus> | undefined;
  let closed = false;
  let publisherClosed = false;

  function opened(): Promise<Bus> {
    if (closed) return Promise.reject(new Error("bus is closed"));
    if (!opening) {
      const attempt = open();
      opening = attempt;
      attempt.catch(() => {
        if (opening === attempt) opening = undefined;
      });
    }
    return opening;
  }

  return {
    publisher: {
      async publish(envelopes: readonly Envelope[]) {
        if (closed || publisherClosed) throw new Error("publisher is closed");
        await (await opened()).publisher.publish(envelopes);
      },
      async probe(signal?: AbortSignal) {
        const bus = await abortable(opened(), signal);
        await bus.publisher.probe?.(signal);
      },
      async close() {
        publisherClosed = true;
        const bus = await settled(opening);
        await bus?.publisher.close();
      },
    },
    subscriber() {
      let started: Promise<BusSubscriber> | undefined;
      return {
        async start(queue: string, handle: DeliveryHandler) {
          started = opened().then((bus) => bus.subscriber());
          await (await started).start(queue, handle);
        },
        async stop() {
          const subscriber = await settled(started);
          await subscriber?.stop();
        },
      };
    },
    deadLetters: {
      list: async (queue, limit) => (await opened()).deadLetters.list(queue, limit),
      redrive: async (queue) => (await opened()).deadLetters.redrive(queue),
    },
    async close() {
      closed = true;
      const bus = await settled(opening);
      await bus?.close();
    },
  };
}

/** What `pending` resolved to, or undefined when there is none or it failed. */
async function settled<T>(pending: Promise<T> | undefined): Promise<T | undefined> {
  return pending?.catch(() => undefined);
}
