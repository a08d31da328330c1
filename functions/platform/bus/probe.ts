/**
 * Gives a bus's publisher the `probe` of the port: a cheap round trip to the transport on a
 * connection of the probe's own, closed with the bus. The adapters' probes are in their
 * `ready.ts`; `openBus` attaches them.
 *
 * @example
 * const bus = withProbe(await openRabbitBus(options), createRabbitProbe(options));
 * await bus.publisher.probe?.(AbortSignal.timeout(1_000));
 */
import type { BusPublisher } from "./port.js";

export interface BusProbe {
  /** Resolves when the transport answers; rejects with the reason, or when `signal` aborts. */
  probe(signal?: AbortSignal): Promise<void>;
  close(): Promise<void>;
}

export function withProbe<Bus extends { publisher: BusPublisher; close(): Promise<void> }>(
  bus: Bus,
  probe: BusProbe,
): Bus {
  const { publisher } = bus;
  return {
    ...bus,
    publisher: {
      publish: (envelopes) => publisher.publish(envelopes),
      close: () => publisher.close(),
      probe: (signal) => probe.probe(signal),
    },
    async close() {
      try {
        await bus.close();
      } finally {
        await probe.close();
      }
    },
  };
}

/** `work`, or a rejection with the signal's reason as soon as it aborts. */
export function abortable<T>(work: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return work;
  if (signal.aborted) return Promise.reject(signal.reason);
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener("abort", onAbort, { once: true });
    work.then(resolve, reject).finally(() => signal.removeEventListener("abort", onAbort));
  });
}
