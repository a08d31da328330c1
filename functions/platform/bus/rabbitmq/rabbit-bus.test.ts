import { expect, it, onTestFinished, vi } from "vitest";
import { parseEnvelope } from "../../events/envelope.js";
import { createLogger } from "../../logger.js";
import { type Delivery, PoisonMessage } from "../port.js";
import { openConnection } from "./connection.js";
import { CONTENT_TYPE, rabbitNames } from "./names.js";
import { createRabbitPublisher } from "./publisher.js";
import { openRabbitBus, type RabbitBusOptions } from "./rabbit-bus.js";
import {
  deleteNamespace,
  describeWithBroker,
  inspectBroker,
  rabbitUrl,
  testEnvelope,
  testNamespace,
} from "./test-broker.js";
import { ensureRabbitTopology } from "./topology.js";

const logger = createLogger("bus", "SILENT");
const A = "test.v1.AlphaOnly";
const B = "test.v1.Both";
const subscriptions = { alpha: [A, B], beta: [B] };

async function openTestBus(overrides: Partial<RabbitBusOptions> = {}) {
  const namespace = overrides.namespace ?? testNamespace();
  const options = { url: rabbitUrl, logger, maxReceiveCount: 3, subscriptions, ...overrides };
  const bus = await openRabbitBus({ ...options, namespace });
  onTestFinished(async () => {
    await bus.close();
    await deleteNamespace(namespace, Object.keys(subscriptions));
  });
  return { bus, namespace, names: rabbitNames(namespace) };
}

/** Starts a subscriber on `queue` recording every delivery; `decide` may throw. */
async function consume(
  bus: Awaited<ReturnType<typeof openTestBus>>["bus"],
  queue: string,
  decide: (delivery: Delivery, subject: string) => void | Promise<void> = () => {},
) {
  const seen: { subject: string; receiveCount: number }[] = [];
  await bus.subscriber().start(queue, async (delivery) => {
    const parsed = parseEnvelope(delivery.body);
    const subject = parsed.ok ? parsed.envelope.subject : "(unparsable)";
    seen.push({ subject, receiveCount: delivery.receiveCount });
    await decide(delivery, subject);
  });
  return seen;
}

describeWithBroker("rabbitmq bus", () => {
  it("declares its topology idempotently, and says so when queue arguments changed", async () => {
    const { namespace } = await openTestBus();
    const connection = await openConnection({ url: rabbitUrl, logger }, "test");
    onTestFinished(() => connection.close());
    await ensureRabbitTopology(connection, { namespace, maxReceiveCount: 3, subscriptions });
    await expect(
      ensureRabbitTopology(connection, { namespace, maxReceiveCount: 4, subscriptions }),
    ).rejects.toThrow(/exists with other arguments/);
  });

  it("routes by event type to the subscribed queues only; publish resolves once enqueued", async () => {
    const { bus, names } = await openTestBus();
    const broker = await inspectBroker();
    const onlyAlpha = testEnvelope(A);
    await bus.publisher.publish([onlyAlpha, testEnvelope(B), testEnvelope("test.v1.Nobody")]);

    // Confirmed means enqueued: the counts hold the moment publish resolves.
    expect((await broker.checkQueue(names.queue("alpha"))).messageCount).toBe(2);
    expect((await broker.checkQueue(names.queue("beta"))).messageCount).toBe(1);
    const message = await broker.get(names.queue("alpha"), { noAck: true });
    if (!message) throw new Error("no message in alpha");
    expect(JSON.parse(message.content.toString())).toEqual(onlyAlpha);
    expect(message.fields.routingKey).toBe(A);
    expect(message.properties).toMatchObject({
      deliveryMode: 2,
      messageId: onlyAlpha.id,
      contentType: CONTENT_TYPE,
      headers: { traceparent: onlyAlpha.traceparent },
    });
  });

  it("rejects a publish the broker nacks, and keeps publishing afterwards", async () => {
    const { bus, names } = await openTestBus();
    const broker = await inspectBroker();
    // A full queue that refuses more (classic: a quorum queue enforces its length loosely).
    const full = names.queue("full");
    await broker.assertQueue(full, {
      durable: true,
      arguments: { "x-max-length": 1, "x-overflow": "reject-publish" },
    });
    onTestFinished(() => broker.deleteQueue(full).then(() => {}));
    await broker.bindQueue(full, names.exchange, "test.v1.Full");

    const publishing = bus.publisher.publish([
      testEnvelope("test.v1.Full"),
      testEnvelope("test.v1.Full"),
    ]);
    await expect(publishing).rejects.toThrow(/did not accept event/);
    await bus.publisher.publish([testEnvelope(A)]);
    expect((await broker.checkQueue(names.queue("alpha"))).messageCount).toBe(1);
  });

  it("rejects while the exchange is missing, then publishes once it exists", async () => {
    const namespace = testNamespace();
    const publisher = createRabbitPublisher({ url: rabbitUrl, namespace, logger });
    onTestFinished(() => publisher.close());
    await expect(publisher.publish([testEnvelope(A)])).rejects.toThrow(/NOT_FOUND|closed/);

    await openTestBus({ namespace });
    await vi.waitFor(() => publisher.publish([testEnvelope(A)]), { timeout: 5_000 });
  });

  it("redelivers a failing message with a growing receiveCount, then dead-letters it with the error while the rest flow on", async () => {
    const { bus } = await openTestBus();
    const seen = await consume(bus, "alpha", (_, subject) => {
      if (subject === "bad") throw new Error("handler exploded");
    });
    await bus.publisher.publish([testEnvelope(A, "bad"), testEnvelope(A, "good-1")]);
    await bus.publisher.publish([testEnvelope(B, "good-2")]);

    await vi.waitFor(async () => expect(await bus.deadLetters.list("alpha")).toHaveLength(1));
    expect(seen.filter((s) => s.subject === "bad").map((s) => s.receiveCount)).toEqual([1, 2, 3]);
    expect(seen.filter((s) => s.subject.startsWith("good")).map((s) => s.subject)).toEqual(
      expect.arrayContaining(["good-1", "good-2"]),
    );
    const [dead] = await bus.deadLetters.list("alpha");
    expect(dead).toMatchObject({
      reason: "failed 3 deliveries; last error: handler exploded",
      receiveCount: 3,
    });
    expect(Date.parse(dead?.deadAt ?? "")).toBeGreaterThan(Date.now() - 60_000);
    expect(await bus.deadLetters.list("beta")).toEqual([]);
  });

  it("dead-letters a PoisonMessage at once with its reason; list keeps it; redrive brings it back", async () => {
    const { bus } = await openTestBus();
    let poison = true;
    const seen = await consume(bus, "alpha", (_, subject) => {
      if (poison && subject === "poison") throw new PoisonMessage("cannot be handled, ever");
    });
    const envelope = testEnvelope(A, "poison");
    await bus.publisher.publish([envelope]);

    await vi.waitFor(async () => expect(await bus.deadLetters.list("alpha")).toHaveLength(1));
    const first = await bus.deadLetters.list("alpha");
    expect(first).toEqual(await bus.deadLetters.list("alpha"));
    expect(first[0]).toMatchObject({
      messageId: envelope.id,
      reason: "cannot be handled, ever",
      receiveCount: 1,
    });
    expect(seen).toEqual([{ subject: "poison", receiveCount: 1 }]);

    poison = false;
    expect(await bus.deadLetters.redrive("alpha")).toBe(1);
    await vi.waitFor(() => expect(seen).toHaveLength(2));
    expect(seen[1]).toEqual({ subject: "poison", receiveCount: 1 });
    await vi.waitFor(async () => expect(await bus.deadLetters.list("alpha")).toEqual([]));
    expect(await bus.deadLetters.redrive("alpha")).toBe(0);
  });

  it("dead-letters and redrives a foreign message that is no envelope and has no id", async () => {
    const { bus, names } = await openTestBus();
    const broker = await inspectBroker();
    let bodies = 0;
    await bus.subscriber().start("alpha", async (delivery) => {
      bodies++;
      if (!parseEnvelope(delivery.body).ok) throw new PoisonMessage("not an envelope");
    });
    broker.publish(names.exchange, A, Buffer.from("{oops"));

    await vi.waitFor(async () => expect(await bus.deadLetters.list("alpha")).toHaveLength(1));
    const [dead] = await bus.deadLetters.list("alpha");
    expect(dead).toMatchObject({ body: "{oops", reason: "not an envelope", receiveCount: 1 });
    expect(dead?.messageId).toMatch(/^sha256:[\da-f]{32}$/);
    expect(await bus.deadLetters.redrive("alpha")).toBe(1);
    await vi.waitFor(() => expect(bodies).toBe(2));
    await expect(bus.deadLetters.redrive("nonexistent")).rejects.toThrow(/NOT_FOUND/);
  });

  it("lists what the broker dead-lettered itself at the delivery limit", async () => {
    const { bus, names } = await openTestBus();
    const broker = await inspectBroker();
    await bus.publisher.publish([testEnvelope(A, "crashes")]);
    // A consumer that never settles its last delivery (crash-looping): the queue's
    // x-delivery-limit (3) lets 4 deliveries through, then dead-letters on its own.
    await broker.consume(names.queue("alpha"), (message) => {
      if (message) broker.nack(message, false, true);
    });
    await vi.waitFor(async () => expect(await bus.deadLetters.list("alpha")).toHaveLength(1));
    const [dead] = await bus.deadLetters.list("alpha");
    expect(dead?.reason).toBe("broker: delivery_limit");
    expect(dead?.deadAt).toBeDefined();
  });

  it("keeps at most `prefetch` handlers in flight, and stop() lets them finish and ack", async () => {
    const { bus, names } = await openTestBus({ prefetch: 2 });
    const broker = await inspectBroker();
    let running = 0;
    let most = 0;
    let handled = 0;
    const subscriber = bus.subscriber();
    await subscriber.start("alpha", async () => {
      most = Math.max(most, ++running);
      await new Promise((resolve) => setTimeout(resolve, 50));
      running--;
      handled++;
    });
    await bus.publisher.publish(Array.from({ length: 6 }, () => testEnvelope(A)));
    await vi.waitFor(() => expect(most).toBe(2));
    await subscriber.stop();
    expect(running).toBe(0);
    expect(handled).toBeLessThan(6);
    // Every handled message was acked before the connection closed; the rest went back.
    await vi.waitFor(async () =>
      expect((await broker.checkQueue(names.queue("alpha"))).messageCount).toBe(6 - handled),
    );
  });
});
