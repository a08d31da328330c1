// Which service a span belongs to when every service shares one process: its own attribute,
// its tracer's name, the entry point it runs under, its parent; else the process's.
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { asService, SERVICE_ATTRIBUTE, ServiceAttribution, serviceOf } from "./span-service.js";

const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({
  spanProcessors: [new ServiceAttribution(), new SimpleSpanProcessor(exporter)],
});

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
});
afterAll(async () => {
  await provider.shutdown();
  context.disable();
  propagation.disable();
});
beforeEach(() => exporter.reset());

const services = () =>
  Object.fromEntries(
    exporter.getFinishedSpans().map((span) => [span.name, serviceOf(span, "slipway")]),
  );

describe("ServiceAttribution", () => {
  it("gives every span of an entry point its service, across awaits", async () => {
    const handle = asService("orders", async (name: string) =>
      provider.getTracer("slipway.rpc").startActiveSpan(name, async (span) => {
        await new Promise((resolve) => setTimeout(resolve, 1));
        provider.getTracer("slipway.db").startSpan("INSERT orders").end();
        span.end();
      }),
    );
    await handle("PlaceOrder");
    expect(services()).toEqual({ PlaceOrder: "orders", "INSERT orders": "orders" });
  });

  it("gives a span started from a message's context the consumer's service", async () => {
    // The producer's context, as it arrives in a message from another process.
    const carrier = { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" };
    const consume = asService("payments", async () => {
      const parent = propagation.extract(ROOT_CONTEXT, carrier);
      provider.getTracer("slipway.events").startSpan("order-saga OrderPlaced", {}, parent).end();
    });
    await consume();
    const [span] = exporter.getFinishedSpans();
    expect(span?.attributes[SERVICE_ATTRIBUTE]).toBe("payments");
    expect(span?.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
  });

  it("lets the span's own attribute, tracer name or queue win; children follow their parent", () => {
    const gateway = provider.getTracer("slipway.gateway");
    asService("orders", () => {
      provider
        .getTracer("slipway.rpc")
        .startSpan("explicit", { attributes: { [SERVICE_ATTRIBUTE]: "catalog" } })
        .end();
      gateway.startActiveSpan("relay", (span) => {
        provider.getTracer("slipway.http").startSpan("under relay").end();
        span.end();
      });
    })();
    // Outside any entry point: a local parent still says.
    provider.getTracer("slipway.identity").startActiveSpan("token", (span) => {
      provider.getTracer("slipway.db").startSpan("SELECT clients").end();
      span.end();
    });
    provider.getTracer("slipway.bus").startSpan("sweep").end();
    // A received batch belongs to the service whose queue it was received from.
    const events = provider.getTracer("slipway.events");
    for (const [name, kind, queue] of [
      ["receive payments", SpanKind.CONSUMER, "slipway-payments"],
      ["receive catalog", SpanKind.CONSUMER, "catalog"],
      ["receive dlq", SpanKind.CONSUMER, "orders-dlq"],
      ["publish orders", SpanKind.PRODUCER, "orders"],
    ] as const) {
      events.startSpan(name, { kind, attributes: { "messaging.destination.name": queue } }).end();
    }
    expect(services()).toEqual({
      "receive payments": "payments",
      "receive catalog": "catalog",
      "receive dlq": "slipway",
      "publish orders": "slipway",
      explicit: "catalog",
      "under relay": "gateway",
      relay: "gateway",
      "SELECT clients": "identity",
      token: "identity",
      sweep: "slipway",
    });
  });
});

describe("asService", () => {
  it("passes the arguments and the result through", async () => {
    const add = asService("catalog", (a: number, b: number) => a + b);
    expect(add(2, 3)).toBe(5);
    expect(await asService("catalog", async () => "done")()).toBe("done");
  });

  it("costs nothing but a call when no SDK is registered", () => {
    context.disable();
    try {
      expect(asService("catalog", () => trace.getActiveSpan())()).toBeUndefined();
    } finally {
      context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    }
  });
});
