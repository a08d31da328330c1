// What the orders bench sees of the saga, without polling: a wrapper around the bus publisher
// every service publishes through notes when each order's OrderPlaced, its outcome
// (OrderConfirmed, or a rejection or cancellation, which fails the bench) and its settlement
// (PaymentCaptured, ReservationCommitted) were handed to the bus, and how many deliveries that makes; a wrapper
// around each queue's consumer counts the deliveries handled. Envelopes carry the order id as
// their subject, so only failures are decoded.
//
//   const watch = new SagaWatch();
//   const catalog = await startCatalog(config, { publisher: watch.publisher(bus.publisher) });
//   await subscriber.start("catalog", watch.consumer(catalog.consumer));
//   const confirmedAt = await watch.confirmation(orderId, 60_000, signal);
//   await watch.settled(orderIds, 60_000, signal); // the saga has finished and the queues are empty

import { ReservationCommittedSchema } from "../functions/gen/catalog/v1/events_pb.js";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRejectedSchema,
} from "../functions/gen/orders/v1/events_pb.js";
import { OrderStatus, RejectionReason } from "../functions/gen/orders/v1/orders_pb.js";
import { PaymentCapturedSchema } from "../functions/gen/payments/v1/events_pb.js";
import type { BusPublisher, DeliveryHandler } from "../functions/platform/bus/port.js";
import { decodeEvent, type Envelope } from "../functions/platform/events/envelope.js";
import { queuesFor } from "../functions/platform/events/topology.js";
import { BenchFailure } from "./measure.js";

interface Waiter {
  resolve(at: number): void;
  reject(error: Error): void;
}

export class SagaWatch {
  private readonly placedAt = new Map<string, number>();
  private readonly confirmedAt = new Map<string, number>();
  private readonly failed = new Map<string, string>();
  private readonly waiters = new Map<string, Waiter>();
  /** Settlement events seen per order: PaymentCaptured and ReservationCommitted make two. */
  private readonly settledParts = new Map<string, number>();
  private deliveriesPublished = 0;
  private deliveriesHandled = 0;
  /** Deliveries whose handler threw (the bus delivers them again). */
  deliveryFailures = 0;
  /** The first such failure, for the log. */
  firstDeliveryFailure: string | undefined;

  /** `publisher`, noting what passes through it. */
  publisher(publisher: BusPublisher): BusPublisher {
    return {
      publish: async (envelopes) => {
        // When the outbox handed them over; counted once the bus has taken them.
        const at = performance.now();
        await publisher.publish(envelopes);
        for (const envelope of envelopes) this.note(envelope, at);
      },
      close: () => publisher.close(),
    };
  }

  /** `consumer`, counting the deliveries it handles and those it fails. */
  consumer(consumer: DeliveryHandler): DeliveryHandler {
    return async (delivery) => {
      try {
        await consumer(delivery);
      } catch (error) {
        this.deliveryFailures += 1;
        this.firstDeliveryFailure ??= error instanceof Error ? error.message : String(error);
        throw error;
      }
      this.deliveriesHandled += 1;
    };
  }

  /**
   * When the order's OrderConfirmed was handed to the bus (performance.now() ms), right after
   * the commit that made it CONFIRMED. Rejects when the order fails, or is not CONFIRMED within
   * `timeoutMs`.
   */
  confirmation(orderId: string, timeoutMs: number, signal: AbortSignal): Promise<number> {
    const at = this.confirmedAt.get(orderId);
    if (at !== undefined) return Promise.resolve(at);
    const failure = this.failed.get(orderId);
    if (failure !== undefined) return Promise.reject(new BenchFailure(failure));
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<number>((resolve, reject) => {
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener("abort", onAbort);
        this.waiters.delete(orderId);
      };
      const onAbort = () => {
        done();
        reject(signal.reason);
      };
      const timer = setTimeout(() => {
        done();
        reject(new BenchFailure(`order ${orderId} not CONFIRMED within ${timeoutMs / 1000} s`));
      }, timeoutMs);
      signal.addEventListener("abort", onAbort, { once: true });
      this.waiters.set(orderId, {
        resolve: (at) => {
          done();
          resolve(at);
        },
        reject: (error) => {
          done();
          reject(error);
        },
      });
    });
  }

  /** When the order's OrderPlaced was handed to the bus, right after PlaceOrder's commit. */
  dispatchedAt(orderId: string): number | undefined {
    return this.placedAt.get(orderId);
  }

  /**
   * Resolves once every order's payment is captured and its reservation committed, and every
   * delivery published so far has been handled: nothing of this phase is left to overlap the
   * next one.
   */
  async settled(orderIds: Iterable<string>, timeoutMs: number, signal: AbortSignal) {
    const pending = new Set(orderIds);
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      signal.throwIfAborted();
      for (const id of pending) if ((this.settledParts.get(id) ?? 0) >= 2) pending.delete(id);
      if (pending.size === 0 && this.deliveriesHandled >= this.deliveriesPublished) return;
      if (Date.now() > deadline) {
        const queued = this.deliveriesPublished - this.deliveriesHandled;
        throw new BenchFailure(
          `the saga did not settle within ${timeoutMs / 1000} s: ${pending.size} confirmed ` +
            `orders not captured and committed, ${queued} deliveries not handled`,
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  /** Forgets the orders seen so far (the previous phase's). */
  clear(): void {
    this.placedAt.clear();
    this.confirmedAt.clear();
    this.settledParts.clear();
  }

  private note(envelope: Envelope, at: number): void {
    this.deliveriesPublished += queuesFor(envelope.type).length;
    const orderId = envelope.subject;
    switch (envelope.type) {
      case OrderPlacedSchema.typeName:
        if (!this.placedAt.has(orderId)) this.placedAt.set(orderId, at);
        return;
      case OrderConfirmedSchema.typeName:
        if (!this.confirmedAt.has(orderId)) {
          this.confirmedAt.set(orderId, at);
          this.waiters.get(orderId)?.resolve(at);
        }
        return;
      case PaymentCapturedSchema.typeName:
      case ReservationCommittedSchema.typeName:
        this.settledParts.set(orderId, (this.settledParts.get(orderId) ?? 0) + 1);
        return;
      case OrderRejectedSchema.typeName:
      case OrderCancelledSchema.typeName: {
        const failure = describeFailure(envelope);
        this.failed.set(orderId, failure);
        this.waiters.get(orderId)?.reject(new BenchFailure(failure));
        return;
      }
    }
  }
}

function describeFailure(envelope: Envelope): string {
  if (envelope.type === OrderRejectedSchema.typeName) {
    const order = decodeEvent(envelope, OrderRejectedSchema).order;
    const reason = RejectionReason[order?.rejectionReason ?? 0] ?? "?";
    return `order ${envelope.subject} was REJECTED (${reason}), not CONFIRMED`;
  }
  const order = decodeEvent(envelope, OrderCancelledSchema).order;
  return `order ${envelope.subject} was cancelled (${OrderStatus[order?.status ?? 0]}), not CONFIRMED`;
}
