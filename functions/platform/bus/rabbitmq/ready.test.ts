import { createServer, type Server, type Socket } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { createLogger } from "../../logger.js";
import { createRabbitProbe } from "./ready.js";
import { describeWithBroker, rabbitUrl, testNamespace } from "./test-broker.js";

const logger = createLogger("bus", "SILENT");

describe("the RabbitMQ probe against a broker that never answers", () => {
  let silent: Server;
  let url: string;
  const sockets = new Set<Socket>();
  beforeAll(async () => {
    silent = createServer((socket) => {
      sockets.add(socket);
      socket.on("error", () => {});
    });
    await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
    url = `amqp://guest:guest@127.0.0.1:${(silent.address() as { port: number }).port}`;
  });
  afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => silent.close(resolve));
  });

  it("gives up at the deadline, every time, without the credentials in the reason", async () => {
    const probe = createRabbitProbe({ url, logger });
    onTestFinished(() => probe.close());
    for (let attempt = 0; attempt < 2; attempt++) {
      const started = performance.now();
      const failure = await probe.probe(AbortSignal.timeout(200)).then(
        () => undefined,
        (error: Error) => error.message,
      );
      expect(performance.now() - started).toBeLessThan(600);
      expect(failure).toMatch(/^RabbitMQ: /);
      expect(failure).not.toContain("guest:guest");
    }
  });
});

describeWithBroker("the RabbitMQ probe against the broker", () => {
  it("fails, saying so, when the bus's exchange is not there", async () => {
    const probe = createRabbitProbe({ url: rabbitUrl, namespace: testNamespace(), logger });
    onTestFinished(() => probe.close());
    await expect(probe.probe(AbortSignal.timeout(1_000))).rejects.toThrow(/^RabbitMQ: .*NOT_FOUND/);
  });
});
