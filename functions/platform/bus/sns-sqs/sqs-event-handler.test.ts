import type { Message } from "@aws-sdk/client-sqs";
import { create } from "@bufbuild/protobuf";
import type { Context, SQSEvent } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductCreatedSchema } from "../../../gen/catalog/v1/events_pb.js";
import { type Envelope, parseEnvelope, toEnvelope } from "../../events/envelope.js";
import { createLogger } from "../../logger.js";
import { type Delivery, PoisonMessage } from "../port.js";
import { createSnsSqsDeadLetterQueue } from "./dead-letter-queue.js";
import { type EnsuredTopology, ensureSnsSqsTopology } from "./ensure-topology.js";
import type { BusTopology } from "./names.js";
import { createSnsSqsPublisher } from "./publisher.js";
import { sqsEventHandler } from "./sqs-event-handler.js";
import {
  drainQueue,
  freshNamespace,
  startTestEmulator,
  type TestEmulator,
} from "./test-emulator.js";

const TYPE = ProductCreatedSchema.typeName;
const shop: BusTopology = { publishers: { catalog: [TYPE] }, subscriptions: { listing: [TYPE] } };
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.stop());

function event(label: string): Envelope {
  const product = { id: label, sku: label, name: label };
  return toEnvelope({
    source: "catalog",
    subject: label,
    schema: ProductCreatedSchema,
    message: create(ProductCreatedSchema, { product }),
    traceparent: TRACEPARENT,
  });
}

/** Publishes through SNS, receives from the queue, and shapes what came as Lambda would. */
async function setup(labels: string[]) {
  const namespace = freshNamespace();
  const created = await ensureSnsSqsTopology(emulator.clients, {
    namespace,
    topology: shop,
    maxReceiveCount: 3,
    consumerTimeoutSeconds: 1,
  });
  const events = labels.map(event);
  await createSnsSqsPublisher({ sns: emulator.clients.sns, namespace, topology: shop }).publish(
    events,
  );
  const messages = await drainQueue(emulator.clients.sqs, created.queues.listing?.url ?? "");
  const dlq = createSnsSqsDeadLetterQueue({
    sqs: emulator.clients.sqs,
    namespace,
    waitTimeSeconds: 0,
  });
  return { created, events, messages, dlq, sqsEvent: toSqsEvent(messages, created) };
}

function toSqsEvent(messages: Message[], created: EnsuredTopology): SQSEvent {
  return {
    Records: messages.map((message) => ({
      messageId: message.MessageId ?? "",
      receiptHandle: message.ReceiptHandle ?? "",
      body: message.Body ?? "",
      attributes: {
        ApproximateReceiveCount: message.Attributes?.ApproximateReceiveCount ?? "1",
        SentTimestamp: message.Attributes?.SentTimestamp ?? "",
        SenderId: message.Attributes?.SenderId ?? "",
        ApproximateFirstReceiveTimestamp:
          message.Attributes?.ApproximateFirstReceiveTimestamp ?? "",
      },
      messageAttributes: Object.fromEntries(
        Object.entries(message.MessageAttributes ?? {}).map(([name, value]) => [
          name,
          {
            stringValue: value.StringValue,
            stringListValues: [],
            binaryListValues: [],
            dataType: value.DataType ?? "String",
          },
        ]),
      ),
      md5OfBody: message.MD5OfBody ?? "",
      eventSource: "aws:sqs",
      eventSourceARN: created.queues.listing?.arn ?? "",
      awsRegion: "us-east-1",
    })),
  };
}

const context = {
  functionName: "catalog-consumer",
  awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678",
  getRemainingTimeInMillis: () => 30_000,
} as Context;

function handlerFor(decide: (envelope: Envelope, delivery: Delivery) => void) {
  return sqsEventHandler(
    async (delivery) => {
      const parsed = parseEnvelope(delivery.body);
      if (!parsed.ok) throw new PoisonMessage(parsed.reason);
      decide(parsed.envelope, delivery);
    },
    { sqs: emulator.clients.sqs, logger: createLogger("test", "SILENT"), retryDelay: () => 0 },
  );
}

describe("sqsEventHandler", () => {
  it("reports exactly the failed record in batchItemFailures, and retries it after the backoff", async () => {
    const { events, messages, sqsEvent, created } = await setup(["a", "b", "c"]);
    const failing = events[1];
    const handled: string[] = [];
    const handler = handlerFor((envelope, delivery) => {
      if (envelope.id === failing?.id) throw new Error("database down");
      handled.push(envelope.id);
      expect(delivery.receiveCount).toBe(1);
    });
    const failingId = messages.find((m) => m.Body === JSON.stringify(failing))?.MessageId;
    expect(await handler(sqsEvent, context)).toEqual({
      batchItemFailures: [{ itemIdentifier: failingId }],
    });
    expect(handled.sort()).toEqual([events[0]?.id, events[2]?.id].sort());
    // Its visibility was cut to the backoff (0 s here), so it is already visible again.
    const again = await drainQueue(emulator.clients.sqs, created.queues.listing?.url ?? "");
    expect(again.map((m) => m.MessageId)).toEqual([failingId]);
  });

  it("sends a PoisonMessage to the DLQ with its reason and counts it as handled", async () => {
    const { events, sqsEvent, dlq } = await setup(["ok", "poison"]);
    const handler = handlerFor((envelope) => {
      if (envelope.subject === "poison") throw new PoisonMessage("unknown product");
    });
    expect(await handler(sqsEvent, context)).toEqual({ batchItemFailures: [] });
    const letters = await dlq.list("listing");
    expect(letters).toEqual([
      expect.objectContaining({
        body: JSON.stringify(events[1]),
        reason: "PoisonMessage: unknown product",
        receiveCount: 1,
      }),
    ]);
  });

  it("dead-letters a record that fails on its last allowed attempt", async () => {
    const { events, sqsEvent, dlq } = await setup(["last-try"]);
    const record = sqsEvent.Records[0];
    if (record) record.attributes.ApproximateReceiveCount = "3";
    const handler = handlerFor(() => {
      throw new Error("still down");
    });
    expect(await handler(sqsEvent, context)).toEqual({ batchItemFailures: [] });
    expect(await dlq.list("listing")).toEqual([
      expect.objectContaining({
        body: JSON.stringify(events[0]),
        reason: "failed 3 times; last: Error: still down",
      }),
    ]);
  });

  it("fails the whole invocation when every record fails, so Lambda retries the batch", async () => {
    const { sqsEvent } = await setup(["x", "y"]);
    const handler = handlerFor(() => {
      throw new Error("everything is down");
    });
    await expect(handler(sqsEvent, context)).rejects.toThrow(/All records failed processing/);
  });
});
