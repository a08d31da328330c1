import { afterAll, beforeAll, expect, it, onTestFinished, vi } from "vitest";
import { createLogger } from "../../logger.js";
import { startTcpProxy, type TcpProxy } from "../../testing/tcp-proxy.js";
import type { BusPublisher } from "../port.js";
import { openConnection } from "./connection.js";
import { createRabbitPublisher } from "./publisher.js";
import { createRabbitSubscriber } from "./subscriber.js";
import {
  deleteNamespace,
  describeWithBroker,
  rabbitUrl,
  testEnvelope,
  testNamespace,
} from "./test-broker.js";
import { ensureRabbitTopology } from "./topology.js";

const logger = createLogger("bus", "SILENT");
const TYPE = "test.v1.Outage";
const subscriptions = { outage: [TYPE] };

/** Publishing must end either way, and soon: a hang is a failure too. */
function settledWithin(publisher: BusPublisher, ms: number, subject: string) {
  return Promise.race([
    publisher.publish([testEnvelope(TYPE, subject)]).then(
      () => "resolved",
      (error: Error) => `rejected: ${error.message}`,
    ),
    new Promise<string>((resolve) => setTimeout(() => resolve("hung"), ms)),
  ]);
}

describeWithBroker("rabbitmq bus with the broker unreachable", () => {
  const namespace = testNamespace();
  let proxy: TcpProxy;
  let url: string;

  beforeAll(async () => {
    const connection = await openConnection({ url: rabbitUrl, logger }, "test setup");
    await ensureRabbitTopology(connection, { namespace, subscriptions });
    await connection.close();
    const broker = new URL(rabbitUrl);
    proxy = await startTcpProxy({ targetHost: broker.hostname, targetPort: Number(broker.port) });
    url = proxy.urlFor(rabbitUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await deleteNamespace(namespace, Object.keys(subscriptions));
  });

  it("rejects publishes while cut off, and both sides carry on after it returns", async () => {
    const publisher = createRabbitPublisher({ url, namespace, logger, maxBackoffMs: 200 });
    const subscriber = createRabbitSubscriber({ url, namespace, logger, maxBackoffMs: 200 });
    onTestFinished(() => Promise.all([publisher.close(), subscriber.stop()]).then(() => {}));
    const received: string[] = [];
    await subscriber.start("outage", async (delivery) => {
      received.push(JSON.parse(delivery.body).subject);
    });

    await publisher.publish([testEnvelope(TYPE, "before")]);
    await vi.waitFor(() => expect(received).toEqual(["before"]));

    proxy.cut();
    expect(await settledWithin(publisher, 3_000, "during")).toMatch(/^rejected: /);
    expect(await settledWithin(publisher, 3_000, "during")).toMatch(/^rejected: /);

    proxy.restore();
    await vi.waitFor(() => publisher.publish([testEnvelope(TYPE, "after")]), {
      timeout: 5_000,
      interval: 100,
    });
    // The same subscriber, never restarted, reconnects and receives it. "before" may come
    // twice: its ack can die with the connection (at-least-once).
    await vi.waitFor(() => expect(new Set(received)).toEqual(new Set(["before", "after"])), {
      timeout: 10_000,
    });
  });

  it("rejects at once when the broker was never reachable, then fails fast while backing off", async () => {
    proxy.cut();
    onTestFinished(() => proxy.restore());
    const publisher = createRabbitPublisher({ url, namespace, logger });
    onTestFinished(() => publisher.close());
    expect(await settledWithin(publisher, 3_000, "never")).toMatch(/^rejected: /);
    expect(await settledWithin(publisher, 3_000, "again")).toMatch(/next attempt in \d+ ms/);

    const subscriber = createRabbitSubscriber({ url, namespace, logger });
    onTestFinished(() => subscriber.stop());
    await expect(subscriber.start("outage", async () => {})).rejects.toThrow();
  });
});
