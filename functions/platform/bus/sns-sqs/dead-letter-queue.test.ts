import { ReceiveMessageCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../logger.js";
import { PoisonMessage } from "../port.js";
import { createSnsSqsDeadLetterQueue } from "./dead-letter-queue.js";
import { type EnsuredTopology, ensureSnsSqsTopology } from "./ensure-topology.js";
import type { BusTopology } from "./names.js";
import { createSnsSqsSubscriber } from "./subscriber.js";
import {
  drainQueue,
  freshNamespace,
  startTestEmulator,
  type TestEmulator,
  waitFor,
} from "./test-emulator.js";

const shop: BusTopology = { publishers: { catalog: ["t.A"] }, subscriptions: { listing: ["t.A"] } };
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.stop());

async function setup() {
  const namespace = freshNamespace();
  const created = await ensureSnsSqsTopology(emulator.clients, {
    namespace,
    topology: shop,
    maxReceiveCount: 2,
    consumerTimeoutSeconds: 1,
  });
  const dlq = createSnsSqsDeadLetterQueue({
    sqs: emulator.clients.sqs,
    namespace,
    waitTimeSeconds: 0,
  });
  return { namespace, created, dlq };
}

/** A letter as the subscriber dead-letters one: original attributes plus the DLQ's. */
async function deadLetter(created: EnsuredTopology, body: string, reason: string) {
  await emulator.clients.sqs.send(
    new SendMessageCommand({
      QueueUrl: created.queues.listing?.deadLetter.url,
      MessageBody: body,
      MessageAttributes: {
        type: { DataType: "String", StringValue: "t.A" },
        traceparent: { DataType: "String", StringValue: TRACEPARENT },
        reason: { DataType: "String", StringValue: reason },
        deadAt: { DataType: "String", StringValue: "2026-01-02T03:04:05.000Z" },
        receiveCount: { DataType: "Number", StringValue: "2" },
      },
    }),
  );
}

describe("createSnsSqsDeadLetterQueue", () => {
  it("lists dead letters with their reason, up to a limit, without consuming them", async () => {
    const { created, dlq } = await setup();
    for (let i = 0; i < 13; i++) await deadLetter(created, `body-${i}`, `reason ${i}`);
    const all = await dlq.list("listing");
    expect(all).toHaveLength(13);
    expect(all.find((letter) => letter.body === "body-7")).toMatchObject({
      reason: "reason 7",
      receiveCount: 2,
      deadAt: "2026-01-02T03:04:05.000Z",
    });
    expect(await dlq.list("listing", 5)).toHaveLength(5);
    expect(await dlq.list("listing")).toHaveLength(13);
  });

  it("lists a letter SQS moved itself, which has no reason", async () => {
    const { created, dlq } = await setup();
    const url = created.queues.listing?.url;
    await emulator.clients.sqs.send(
      new SendMessageCommand({ QueueUrl: url, MessageBody: "crashy" }),
    );
    // Received maxReceiveCount times and never settled (a consumer that crashed each time).
    for (let i = 0; i < 3; i++) {
      await emulator.clients.sqs.send(
        new ReceiveMessageCommand({ QueueUrl: url, VisibilityTimeout: 0 }),
      );
    }
    const [letter] = await dlq.list("listing");
    expect(letter).toMatchObject({ body: "crashy", reason: undefined, deadAt: undefined });
    expect(letter?.receiveCount).toBeGreaterThanOrEqual(2);
  });

  it("redrives letters to their queue with the original attributes, without the DLQ's", async () => {
    const { created, dlq } = await setup();
    await deadLetter(created, "one", "r1");
    await deadLetter(created, "two", "r2");
    expect(await dlq.redrive("listing")).toBe(2);
    expect(await dlq.list("listing")).toEqual([]);
    const back = await drainQueue(emulator.clients.sqs, created.queues.listing?.url ?? "");
    expect(back.map((m) => m.Body).sort()).toEqual(["one", "two"]);
    expect(Object.keys(back[0]?.MessageAttributes ?? {}).sort()).toEqual(["traceparent", "type"]);
    expect(back[0]?.MessageAttributes?.traceparent?.StringValue).toBe(TRACEPARENT);
  });

  it("ends a redrive even when the letters fail again at once", async () => {
    const { namespace, created, dlq } = await setup();
    const subscriber = createSnsSqsSubscriber({
      sqs: emulator.clients.sqs,
      namespace,
      logger: createLogger("test", "SILENT"),
      waitTimeSeconds: 1,
    });
    let attempts = 0;
    await subscriber.start("listing", async () => {
      attempts += 1;
      throw new PoisonMessage("still broken");
    });
    await deadLetter(created, "hopeless", "broken");
    // Long polls, so the redrive sees the letter come back while it is still running.
    const patient = createSnsSqsDeadLetterQueue({
      sqs: emulator.clients.sqs,
      namespace,
      waitTimeSeconds: 1,
    });
    expect(await patient.redrive("listing")).toBe(1);
    await waitFor(async () => attempts === 1 && (await dlq.list("listing")).length === 1);
    expect((await dlq.list("listing"))[0]?.reason).toBe("PoisonMessage: still broken");
    await subscriber.stop();
  });

  it("rejects for a queue that does not exist", async () => {
    const { dlq } = await setup();
    await expect(dlq.list("nobody")).rejects.toThrow();
    await expect(dlq.redrive("nobody")).rejects.toThrow();
  });
});
