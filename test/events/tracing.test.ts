// One trace across RPC and the bus: the RPC server span makes the change, its "outbox write"
// span is the parent of the consumer span that applies the event, on every transport; the
// transport itself carries the trace context (AMQP header, SQS attribute, embedded row), and a
// received batch's span only links to its messages. Spans collected by an in-memory exporter.
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import type { Context, SQSEvent, SQSRecord } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { productCreated } from "../../functions/catalog/events.js";
import { sqsEventHandler } from "../../functions/platform/bus/sns-sqs/sqs-event-handler.js";
import { parseEnvelope } from "../../functions/platform/events/envelope.js";
import { inConsumerSpan } from "../../functions/platform/events/trace-context.js";
import { createLogger } from "../../functions/platform/logger.js";
import { useInMemoryTracing } from "../../functions/platform/testing/in-memory-tracing.js";
import { type CatalogOnBus, productRow, startCatalogOnBus, uniqueTag } from "./catalog-on-bus.js";
import { type OpenTransport, transports } from "./transports.js";

const exporter = useInMemoryTracing({ resetBeforeEach: false });

/** Waits for a finished span matching `where`. */
function finishedSpan(where: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
  return vi.waitFor(
    () => {
      const span = exporter.getFinishedSpans().find(where);
      if (!span) throw new Error("no such span yet");
      return span;
    },
    { timeout: 20_000, interval: 50 },
  );
}

const spanIdOf = (traceparent: string) => traceparent.split("-")[2];

describe.each(transports)("trace context over $name", (transport) => {
  transport.describe("a change and the consumption of its event", () => {
    let bus: OpenTransport;
    let system: CatalogOnBus;
    beforeAll(async () => {
      bus = await transport.open();
      system = await startCatalogOnBus(bus, transport.dataDir);
    });
    afterAll(async () => {
      await system?.stop();
      await bus?.close();
    });

    it("share one trace: RPC client → server → outbox write → consumer", async () => {
      const tag = uniqueTag();
      const tracer = trace.getTracer("test");
      const request = await tracer.startActiveSpan("POST /v1/products", async (span) => {
        await system.client.createProduct({
          sku: `TRACE-${tag}`,
          name: `Traced ${tag}`,
          price: { amountMinor: 100n, currency: "EUR" },
        });
        span.end();
        return span.spanContext();
      });
      const inTrace = (name: string) => (span: ReadableSpan) =>
        span.name === name && span.spanContext().traceId === request.traceId;

      const procedure = "slipway.catalog.v1.CatalogService/CreateProduct";
      const client = await finishedSpan(
        (span) => inTrace(procedure)(span) && span.kind === SpanKind.CLIENT,
      );
      expect(client.parentSpanContext?.spanId).toBe(request.spanId);
      const server = await finishedSpan(
        (span) => inTrace(procedure)(span) && span.kind === SpanKind.SERVER,
      );
      expect(server.parentSpanContext?.spanId).toBe(client.spanContext().spanId);
      expect(server.attributes).toMatchObject({
        "rpc.system": "connect_rpc",
        "rpc.service": "slipway.catalog.v1.CatalogService",
        "rpc.method": "CreateProduct",
      });
      const insert = await finishedSpan(inTrace("INSERT catalog.products"));
      expect(insert.kind).toBe(SpanKind.CLIENT);
      expect(insert.parentSpanContext?.spanId).toBe(server.spanContext().spanId);

      const write = await finishedSpan(inTrace("outbox write"));
      expect(write.kind).toBe(SpanKind.PRODUCER);
      expect(write.parentSpanContext?.spanId).toBe(server.spanContext().spanId);

      const consumed = await finishedSpan(inTrace("product-listing ProductCreated"));
      expect(consumed.kind).toBe(SpanKind.CONSUMER);
      expect(consumed.parentSpanContext?.spanId).toBe(write.spanContext().spanId);
      expect(consumed.parentSpanContext?.isRemote).toBe(true);
      expect(consumed.attributes["messaging.consumer.group.name"]).toBe("product-listing");
      // The consumer's own queries are its children.
      const applied = await finishedSpan(
        (span) =>
          span.attributes["db.system"] === "postgresql" &&
          span.parentSpanContext?.spanId === consumed.spanContext().spanId,
      );
      expect(applied.spanContext().traceId).toBe(request.traceId);

      // One dispatch span per published batch, linked to the events' producing span.
      const dispatched = await finishedSpan(
        (span) =>
          span.name === "outbox dispatch" &&
          span.links.some((link) => link.context.spanId === write.spanContext().spanId),
      );
      expect(dispatched.kind).toBe(SpanKind.PRODUCER);
      expect(dispatched.attributes["messaging.batch.message_count"]).toBeGreaterThanOrEqual(1);
    });
  });
});

describe.each(transports)("the trace context $name itself carries", (transport) => {
  transport.describe("an event published and consumed", () => {
    let bus: OpenTransport;
    let system: CatalogOnBus | undefined;
    beforeAll(async () => {
      bus = await transport.open();
    });
    afterAll(async () => {
      await system?.stop();
      await bus?.close();
    });

    it("carries traceparent beside the body; the consumer continues it, a batch only links", async () => {
      const tracer = trace.getTracer("test");
      const producer = tracer.startSpan("producer");
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), producer), carrier);
      producer.end();
      const traceparent = carrier.traceparent ?? "";
      const envelope = { ...productCreated(productRow(uniqueTag())), traceparent };

      // Nobody consumes the queue yet: the message waits there to be looked at.
      await bus.publisher.publish([envelope]);
      expect(await bus.peekTraceparent(envelope.id)).toBe(traceparent);

      system = await startCatalogOnBus(bus, transport.dataDir);
      const consumed = await finishedSpan(
        (span) =>
          span.name === "product-listing ProductCreated" &&
          span.attributes["messaging.message.id"] === envelope.id,
      );
      expect(consumed.spanContext().traceId).toBe(producer.spanContext().traceId);
      expect(consumed.parentSpanContext?.spanId).toBe(spanIdOf(traceparent));

      if (transport.name === "rabbitmq") return; // pushed one by one: no batch to speak of
      const batch = await finishedSpan(
        (span) =>
          span.name === "receive catalog" &&
          span.links.some((link) => link.context.spanId === spanIdOf(traceparent)),
      );
      expect(batch.kind).toBe(SpanKind.CONSUMER);
      expect(batch.spanContext().traceId).not.toBe(producer.spanContext().traceId);
      expect(consumed.parentSpanContext?.spanId).not.toBe(batch.spanContext().spanId);
    });

    it("marks the consumer span of a failing handler as an error", async () => {
      if (!system) throw new Error("the previous test starts the catalog");
      // A payload the listing cannot decode: its handler throws inside the consumer span.
      const poison = {
        ...productCreated(productRow(uniqueTag())),
        data_base64: Buffer.from("not protobuf").toString("base64"),
      };
      await bus.publisher.publish([poison]);
      const span = await finishedSpan(
        (candidate) =>
          candidate.name === "product-listing ProductCreated" &&
          candidate.attributes["messaging.message.id"] === poison.id,
      );
      expect(span.status.code).toBe(SpanStatusCode.ERROR);
      expect(span.status.message).toMatch(/payload is not a slipway.catalog.v1.ProductCreated/);
    });
  });
});

describe("the SQS Lambda handler", () => {
  /** A record as Lambda hands it over: the traceparent in the body and as an attribute. */
  function recordOf(traceparent: string): SQSRecord {
    const envelope = { ...productCreated(productRow(uniqueTag())), traceparent };
    return {
      messageId: envelope.id,
      receiptHandle: "handle",
      body: JSON.stringify(envelope),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "test",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {
        traceparent: {
          stringValue: traceparent,
          stringListValues: [],
          binaryListValues: [],
          dataType: "String",
        },
      },
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:slipway-test-catalog",
      awsRegion: "us-east-1",
    };
  }

  it("makes one batch span linked to every record; each record's span continues its own trace", async () => {
    const tracer = trace.getTracer("test");
    const producers = [tracer.startSpan("producer a"), tracer.startSpan("producer b")];
    const traceparents = producers.map((producer) => {
      producer.end();
      const carrier: Record<string, string> = {};
      propagation.inject(trace.setSpan(context.active(), producer), carrier);
      return carrier.traceparent ?? "";
    });
    const handler = sqsEventHandler(
      async (delivery) => {
        const parsed = parseEnvelope(delivery.body);
        if (!parsed.ok) throw new Error(parsed.reason);
        await inConsumerSpan(parsed.envelope, "lambda-probe", async () => {});
      },
      { logger: createLogger("test", "SILENT") },
    );
    const event: SQSEvent = { Records: traceparents.map(recordOf) };
    expect(await handler(event, { awsRequestId: "req-1" } as Context)).toEqual({
      batchItemFailures: [],
    });

    const batch = await finishedSpan((span) => span.name === "receive slipway-test-catalog");
    expect(batch.kind).toBe(SpanKind.CONSUMER);
    expect(batch.attributes).toMatchObject({
      "messaging.system": "aws_sqs",
      "messaging.batch.message_count": 2,
    });
    expect(batch.links.map((link) => link.context.spanId).sort()).toEqual(
      producers.map((producer) => producer.spanContext().spanId).sort(),
    );
    for (const producer of producers) {
      const record = await finishedSpan(
        (span) =>
          span.name === "lambda-probe ProductCreated" &&
          span.spanContext().traceId === producer.spanContext().traceId,
      );
      expect(record.parentSpanContext?.spanId).toBe(producer.spanContext().spanId);
    }
  });
});
