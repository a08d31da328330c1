import { create } from "@bufbuild/protobuf";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { ProductCreatedSchema } from "../../../gen/catalog/v1/events_pb.js";
import { type Envelope, parseEnvelope, toEnvelope } from "../../events/envelope.js";
import { createLogger } from "../../logger.js";
import { type BusSubscriber, type Delivery, PoisonMessage } from "../port.js";
import { createSnsSqsClients } from "./clients.js";
import { createSnsSqsDeadLetterQueue } from "./dead-letter-queue.js";
import { type EnsuredTopology, ensureSnsSqsTopology } from "./ensure-topology.js";
import type { BusTopology } from "./names.js";
import { createSnsSqsPublisher } from "./publisher.js";
import { createSnsSqsSubscriber, type SnsSqsSubscriberOptions } from "./subscriber.js";
import {
  drainQueue,
  freshNamespace,
  startTestEmulator,
  TEST_CREDENTIALS,
  type TestEmulator,
  waitFor,
} from "./test-emulator.js";

const TYPE = ProductCreatedSchema.typeName;
const shop: BusTopology = { publishers: { catalog: [TYPE] }, subscriptions: { listing: [TYPE] } };
const MAX_RECEIVE_COUNT = 3;

let emulator: TestEmulator;
const running: BusSubscriber[] = [];
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterEach(async () => {
  await Promise.all(running.splice(0).map((subscriber) => subscriber.stop()));
});
afterAll(() => emulator.stop());

/** A fresh namespace with the topology, a publisher, a DLQ view and a subscriber factory. */
async function setup() {
  const namespace = freshNamespace();
  const created = await ensureSnsSqsTopology(emulator.clients, {
    namespace,
    topology: shop,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    consumerTimeoutSeconds: 1,
    visibilityTimeoutSeconds: 6,
  });
  const logger = createLogger("test", "SILENT");
  const publisher = createSnsSqsPublisher({ sns: emulator.clients.sns, namespace, topology: shop });
  const deadLetters = createSnsSqsDeadLetterQueue({
    sqs: emulator.clients.sqs,
    namespace,
    waitTimeSeconds: 0,
  });
  const deliveries: (Delivery & { id: string })[] = [];
  async function consume(
    decide: (envelope: Envelope, delivery: Delivery) => void,
    options: Partial<SnsSqsSubscriberOptions> = {},
  ) {
    const subscriber = createSnsSqsSubscriber({
      sqs: emulator.clients.sqs,
      namespace,
      logger,
      waitTimeSeconds: 1,
      retryDelay: () => 0,
      ...options,
    });
    running.push(subscriber);
    await subscriber.start("listing", async (delivery) => {
      const parsed = parseEnvelope(delivery.body);
      if (!parsed.ok) throw new PoisonMessage(parsed.reason);
      deliveries.push({ ...delivery, id: parsed.envelope.id });
      decide(parsed.envelope, delivery);
    });
    return subscriber;
  }
  const attemptsOf = (envelope: Envelope) => deliveries.filter((d) => d.id === envelope.id);
  return { namespace, created, logger, publisher, deadLetters, consume, deliveries, attemptsOf };
}

function event(label: string): Envelope {
  const product = { id: label, sku: label, name: label };
  return toEnvelope({
    source: "catalog",
    subject: label,
    schema: ProductCreatedSchema,
    message: create(ProductCreatedSchema, { product }),
  });
}

const queueIsEmpty = async (created: EnsuredTopology) =>
  (await drainQueue(emulator.clients.sqs, created.queues.listing?.url ?? "")).length === 0;

describe("createSnsSqsSubscriber", () => {
  it("hands each message to the handler once and deletes it", async () => {
    const { created, publisher, consume, deliveries } = await setup();
    await consume(() => {});
    const events = [event("a"), event("b"), event("c")];
    await publisher.publish(events);
    await waitFor(() => deliveries.length === 3);
    expect(deliveries.map((d) => d.id).sort()).toEqual(events.map((e) => e.id).sort());
    expect(deliveries.map((d) => d.receiveCount)).toEqual([1, 1, 1]);
    expect(await queueIsEmpty(created)).toBe(true);
  });

  it("redelivers a failing message, dead-letters it after maxReceiveCount, while others flow on", async () => {
    const { publisher, deadLetters, consume, attemptsOf } = await setup();
    const failing = event("failing");
    const healthy = [event("h1"), event("h2")];
    await consume((envelope) => {
      if (envelope.id === failing.id) throw new Error("handler exploded");
    });
    await publisher.publish([failing, ...healthy]);
    await waitFor(async () => (await deadLetters.list("listing")).length === 1);
    expect(attemptsOf(failing).map((d) => d.receiveCount)).toEqual([1, 2, 3]);
    for (const envelope of healthy) expect(attemptsOf(envelope)).toHaveLength(1);
    const [dead] = await deadLetters.list("listing");
    expect(dead).toMatchObject({
      body: JSON.stringify(failing),
      reason: "failed 3 times; last: Error: handler exploded",
      receiveCount: 3,
    });
    expect(Date.parse(dead?.deadAt ?? "")).toBeGreaterThan(Date.now() - 10_000);
  });

  it("waits the retry delay before the next attempt", async () => {
    const { publisher, consume, attemptsOf } = await setup();
    const failing = event("slow-retry");
    const times: number[] = [];
    await consume(
      () => {
        times.push(Date.now());
        if (times.length === 1) throw new Error("once");
      },
      { retryDelay: (receiveCount) => receiveCount },
    );
    await publisher.publish([failing]);
    await waitFor(() => attemptsOf(failing).length === 2);
    expect((times[1] ?? 0) - (times[0] ?? 0)).toBeGreaterThanOrEqual(900);
  });

  it("dead-letters a PoisonMessage at once with its reason; redrive brings it back", async () => {
    const { publisher, deadLetters, consume, deliveries } = await setup();
    let refuse = true;
    await consume((envelope) => {
      if (refuse && envelope.subject === "poison") throw new PoisonMessage("price is negative");
    });
    const poison = event("poison");
    const after = event("after");
    await publisher.publish([poison]);
    await publisher.publish([after]);
    await waitFor(() => deliveries.some((d) => d.id === after.id));
    await waitFor(async () => (await deadLetters.list("listing")).length === 1);
    const [dead] = await deadLetters.list("listing");
    expect(dead).toMatchObject({
      body: JSON.stringify(poison),
      reason: "PoisonMessage: price is negative",
      receiveCount: 1,
    });
    // Listing does not consume: the letter is still there, and visible.
    expect(await deadLetters.list("listing")).toHaveLength(1);

    refuse = false;
    expect(await deadLetters.redrive("listing")).toBe(1);
    await waitFor(() => deliveries.filter((d) => d.id === poison.id).length === 2);
    expect(deliveries.filter((d) => d.id === poison.id).map((d) => d.receiveCount)).toEqual([1, 1]);
    expect(await deadLetters.list("listing")).toEqual([]);
  });

  it("dead-letters a body that is not an envelope, and keeps going", async () => {
    const { publisher, deadLetters, consume, deliveries } = await setup();
    await consume(() => {});
    const after = event("after-garbage");
    await publisher.publish([{ ...event("garbage"), specversion: "0.3" as "1.0" }, after]);
    await waitFor(() => deliveries.some((d) => d.id === after.id));
    await waitFor(async () => (await deadLetters.list("listing")).length === 1);
    const [dead] = await deadLetters.list("listing");
    expect(dead?.reason).toMatch(/^PoisonMessage: not a slipway envelope \(specversion/);
  });

  it("survives failed receives: logs them, backs off, then delivers", async () => {
    const { namespace, publisher, logger, deliveries } = await setup();
    const { sqs } = createSnsSqsClients(
      { endpoint: emulator.endpoint, credentials: TEST_CREDENTIALS },
      {},
    );
    let receivesToFail = 2;
    sqs.middlewareStack.add(
      (next, context) => async (args) => {
        if (context.commandName === "ReceiveMessageCommand" && receivesToFail-- > 0) {
          throw new Error("sqs is down");
        }
        return next(args);
      },
      { step: "initialize", name: "failReceives" },
    );
    const errors = vi.spyOn(logger, "error");
    const subscriber = createSnsSqsSubscriber({
      sqs,
      namespace,
      logger,
      waitTimeSeconds: 1,
      errorBackoffMs: 50,
    });
    running.push(subscriber);
    await subscriber.start("listing", async (delivery) => {
      deliveries.push({ ...delivery, id: "x" });
    });
    await publisher.publish([event("after-outage")]);
    await waitFor(() => deliveries.length === 1);
    expect(errors).toHaveBeenCalledTimes(2);
    expect(errors.mock.calls[0]?.[0]).toBe("receive failed; backing off");
    await subscriber.stop();
    sqs.destroy();
  });

  it("stop() aborts the long poll and returns promptly; nothing is handled after it", async () => {
    const { publisher, consume, deliveries } = await setup();
    const subscriber = await consume(() => {}, { waitTimeSeconds: 20 });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the poll is now waiting
    const started = Date.now();
    await subscriber.stop();
    expect(Date.now() - started).toBeLessThan(500);
    await publisher.publish([event("after-stop")]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(deliveries).toEqual([]);
  });

  it("with finishPollOnStop, stop() lets the poll finish and handles what it brought", async () => {
    const { publisher, consume, deliveries } = await setup();
    const subscriber = await consume(() => {}, { finishPollOnStop: true });
    await new Promise((resolve) => setTimeout(resolve, 100)); // the poll is now waiting
    const started = Date.now();
    const stopped = subscriber.stop();
    const late = event("during-stop");
    await publisher.publish([late]);
    await stopped;
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(deliveries.map((d) => [d.id, d.receiveCount])).toEqual([[late.id, 1]]);
  });

  it("start() rejects for a queue that does not exist", async () => {
    const subscriber = createSnsSqsSubscriber({
      sqs: emulator.clients.sqs,
      namespace: freshNamespace(),
    });
    await expect(subscriber.start("listing", async () => {})).rejects.toThrow();
  });
});
