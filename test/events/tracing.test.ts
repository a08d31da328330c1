// One trace across the bus: the span that makes a change is the parent of the consumer span
// that applies its event, on every transport (spans collected by an in-memory exporter).
import { context, propagation, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { type CatalogOnBus, startCatalogOnBus, uniqueTag } from "./catalog-on-bus.js";
import { type OpenTransport, transports } from "./transports.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  trace.setGlobalTracerProvider(provider);
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
  propagation.disable();
});

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

    it("share one trace: the consumer span is a child of the producing span", async () => {
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

      const consumed = await vi.waitFor(
        () => {
          const span = exporter
            .getFinishedSpans()
            .find(
              (candidate) =>
                candidate.name === "consume slipway.catalog.v1.ProductCreated" &&
                candidate.spanContext().traceId === request.traceId,
            );
          if (!span) throw new Error("no consumer span in the request's trace yet");
          return span;
        },
        { timeout: 20_000, interval: 50 },
      );
      expect(consumed.kind).toBe(SpanKind.CONSUMER);
      expect(consumed.parentSpanContext?.spanId).toBe(request.spanId);
      expect(consumed.parentSpanContext?.isRemote).toBe(true);
      expect(consumed.attributes["messaging.consumer.group.name"]).toBe("product-listing");
    });
  });
});
