/**
 * The contract every bus adapter must keep, as one reusable test suite. Each adapter's
 * `contract.test.ts` calls `describeBusContract` with a setup that builds a fresh, isolated
 * instance (its own namespace, database or prefix) whose queues follow the real topology.
 *
 * @example
 * describeBusContract("embedded", async () => {
 *   const bus = await openEmbeddedBus({ dataDir: "memory://", logger, maxReceiveCount: 3, visibilityTimeoutMs: 500 });
 *   return { publisher: bus.publisher, subscriber: () => bus.subscriber(), deadLetters: bus.deadLetters, maxReceiveCount: 3, close: bus.close };
 * });
 */
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductCreatedSchema } from "../../../gen/catalog/v1/events_pb.js";
import { type Envelope, parseEnvelope, toEnvelope } from "../../events/envelope.js";
import {
  type BusPublisher,
  type BusSubscriber,
  type DeadLetterQueue,
  type Delivery,
  PoisonMessage,
} from "../port.js";

export interface BusUnderTest {
  publisher: BusPublisher;
  /** A new subscriber; the suite stops every one it makes. */
  subscriber(): BusSubscriber;
  deadLetters: DeadLetterQueue;
  /** The adapter's dead-letter threshold, set low for tests (2-3). */
  maxReceiveCount: number;
  close(): Promise<void>;
}

/** The topology's queue for catalog events. */
const QUEUE = "catalog";
const WAIT_MS = 20_000;

export function describeBusContract(name: string, setup: () => Promise<BusUnderTest>): void {
  describe(`bus contract: ${name}`, () => {
    let bus: BusUnderTest;
    const running: BusSubscriber[] = [];
    beforeAll(async () => {
      bus = await setup();
    });
    afterAll(async () => {
      await Promise.all(running.map((subscriber) => subscriber.stop()));
      await bus?.close();
    });

    /** Starts a subscriber whose handler decides per envelope; records every delivery. */
    async function consume(decide: (envelope: Envelope, delivery: Delivery) => void) {
      const deliveries: { envelope: Envelope; delivery: Delivery }[] = [];
      const subscriber = bus.subscriber();
      running.push(subscriber);
      await subscriber.start(QUEUE, async (delivery) => {
        const parsed = parseEnvelope(delivery.body);
        if (!parsed.ok) throw new PoisonMessage(parsed.reason);
        deliveries.push({ envelope: parsed.envelope, delivery });
        decide(parsed.envelope, delivery);
      });
      return { deliveries, stop: () => subscriber.stop() };
    }

    it("delivers a published event to its subscribed queue, as it was sent", async () => {
      const envelope = productCreated("delivered");
      const consumer = await consume(() => {});
      await bus.publisher.publish([envelope]);
      await waitFor(() => consumer.deliveries.some((d) => d.envelope.id === envelope.id));
      const got = consumer.deliveries.find((d) => d.envelope.id === envelope.id);
      expect(got?.envelope).toEqual(envelope);
      expect(got?.delivery.receiveCount).toBe(1);
      await consumer.stop();
    });

    it("redelivers after a failure, dead-letters after the limit, and redrive brings it back", async () => {
      const poisoned = productCreated("always-fails");
      const healthy = productCreated("healthy");
      let failing = true;
      const consumer = await consume((envelope) => {
        if (failing && envelope.id === poisoned.id) throw new Error("handler exploded");
      });
      await bus.publisher.publish([poisoned, healthy]);
      await waitFor(() => consumer.deliveries.some((d) => d.envelope.id === healthy.id));
      const attemptsOf = () => consumer.deliveries.filter((d) => d.envelope.id === poisoned.id);
      await waitFor(async () => (await deadIds()).includes(poisoned.id));
      expect(attemptsOf().length).toBe(bus.maxReceiveCount);
      expect(attemptsOf().map((d) => d.delivery.receiveCount)).toEqual(
        Array.from({ length: bus.maxReceiveCount }, (_, i) => i + 1),
      );
      expect(consumer.deliveries.filter((d) => d.envelope.id === healthy.id)).toHaveLength(1);

      failing = false;
      expect(await bus.deadLetters.redrive(QUEUE)).toBeGreaterThanOrEqual(1);
      await waitFor(() => attemptsOf().length > bus.maxReceiveCount);
      await waitFor(async () => !(await deadIds()).includes(poisoned.id));
      await consumer.stop();
    });

    it("dead-letters a poison message at once, with the reason, while the rest flow on", async () => {
      const consumer = await consume(() => {});
      const after = productCreated("after-poison");
      // A body no envelope parser accepts, sent the way a foreign producer might.
      await bus.publisher.publish([{ ...productCreated("poison"), specversion: "0.3" as "1.0" }]);
      await bus.publisher.publish([after]);
      await waitFor(() => consumer.deliveries.some((d) => d.envelope.id === after.id));
      await waitFor(async () =>
        (await bus.deadLetters.list(QUEUE)).some((d) => d.reason?.includes("specversion")),
      );
      const dead = (await bus.deadLetters.list(QUEUE)).find((d) =>
        d.reason?.includes("specversion"),
      );
      expect(dead?.receiveCount).toBeLessThanOrEqual(1);
      await consumer.stop();
    });

    async function deadIds(): Promise<string[]> {
      const dead = await bus.deadLetters.list(QUEUE);
      return dead.flatMap((letter) => {
        const parsed = parseEnvelope(letter.body);
        return parsed.ok ? [parsed.envelope.id] : [];
      });
    }
  });
}

function productCreated(label: string): Envelope {
  return toEnvelope({
    source: "catalog",
    subject: label,
    schema: ProductCreatedSchema,
    message: create(ProductCreatedSchema, { product: { id: label, sku: label, name: label } }),
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
  });
}

async function waitFor(condition: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + WAIT_MS;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}
