/**
 * The event bus port. Every transport — the embedded queue, RabbitMQ, SNS → SQS — implements
 * these interfaces; services and the outbox know nothing else.
 *
 * Delivery is at-least-once and unordered. A queue belongs to one consuming service and
 * receives the event types the topology subscribes it to. A handler that throws leaves the
 * message for another attempt; after `maxReceiveCount` attempts, or at once when the handler
 * throws `PoisonMessage`, the message moves to the queue's dead-letter queue with a reason.
 */
import type { Envelope } from "../events/envelope.js";

export interface BusPublisher {
  /** Resolves once the transport has durably accepted every envelope; rejects otherwise. */
  publish(envelopes: readonly Envelope[]): Promise<void>;
  close(): Promise<void>;
  /**
   * Resolves when the transport answers a cheap round trip now; rejects with the reason
   * otherwise (readiness checks). The buses `openBus` opens have one.
   */
  probe?(signal?: AbortSignal): Promise<void>;
}

export interface Delivery {
  /** The transport's id of this message (not the envelope id). */
  messageId: string;
  /** The message body as the transport carried it: normally an envelope as JSON. */
  body: string;
  /** 1 on the first delivery. */
  receiveCount: number;
}

export type DeliveryHandler = (delivery: Delivery) => Promise<void>;

/** Thrown by a handler for a message that can never succeed: it goes to the DLQ at once. */
export class PoisonMessage extends Error {
  override name = "PoisonMessage";
}

export interface BusSubscriber {
  /** Starts delivering the queue's messages to `handle` until `stop()`. */
  start(queue: string, handle: DeliveryHandler): Promise<void>;
  stop(): Promise<void>;
}

export interface DeadLetter {
  messageId: string;
  body: string;
  /** Why it was dead-lettered, when the transport can say. */
  reason: string | undefined;
  receiveCount: number;
  deadAt: string | undefined;
}

/** Operations on a queue's dead letters (`npm run dlq`). */
export interface DeadLetterQueue {
  list(queue: string, limit?: number): Promise<DeadLetter[]>;
  /** Moves every dead letter of `queue` back to it; returns how many. */
  redrive(queue: string): Promise<number>;
}
