/**
 * The RabbitMQ that tests run against (TEST_RABBITMQ_URL, default 127.0.0.1:5672 as guest),
 * checked once per test file. Without it, RabbitMQ tests are skipped with a loud warning on a
 * laptop and fail under CI=true, so CI can never pass without the broker.
 *
 * @example
 * describeWithBroker("rabbitmq bus", () => {
 *   const namespace = testNamespace();
 *   afterAll(() => deleteNamespace(namespace, ["catalog"]));
 * });
 */
import { randomBytes } from "node:crypto";
import { type Channel, connect } from "amqplib";
import { uuidv7 } from "uuidv7";
import { describe, onTestFinished } from "vitest";
import type { Envelope } from "../../events/envelope.js";
import { inCi, redactUrl } from "../../testing/environment.js";
import { deleteRabbitNamespace, rabbitUnreachable } from "./namespace.js";

export const rabbitUrl = process.env.TEST_RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";

const problem = await rabbitUnreachable(rabbitUrl);

if (problem && !inCi) {
  console.warn(
    `\n!!! RabbitMQ at ${redactUrl(rabbitUrl)} is not reachable (${problem}).\n` +
      "!!! RabbitMQ bus tests are SKIPPED. Start RabbitMQ or set TEST_RABBITMQ_URL to run\n" +
      "!!! them; under CI=true they fail instead.\n",
  );
}

/** `describe` when the broker is there (or CI requires it), else `describe.skip`. */
export const describeWithBroker = problem && !inCi ? describe.skip : describe;

/** A namespace of its own for one test run. */
export function testNamespace(): string {
  return `slipway-test-${randomBytes(5).toString("hex")}`;
}

/** Deletes every exchange and queue a test namespace made. */
export const deleteNamespace = (namespace: string, queues: readonly string[]) =>
  deleteRabbitNamespace(rabbitUrl, namespace, queues);

/** A plain channel on the broker to look at queues behind the adapter's back; closed after the test. */
export async function inspectBroker(): Promise<Channel> {
  const connection = await connect(rabbitUrl);
  connection.on("error", () => {});
  const channel = await connection.createChannel();
  channel.on("error", () => {});
  onTestFinished(() => connection.close().catch(() => {}));
  return channel;
}

/** A valid envelope of any type, for tests that only route and count. */
export function testEnvelope(type: string, subject = "test"): Envelope {
  return {
    specversion: "1.0",
    id: uuidv7(),
    type,
    source: "slipway/test",
    time: new Date().toISOString(),
    subject,
    datacontenttype: "application/protobuf",
    traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    data_base64: "",
  };
}
