// One order placed at the gateway is ONE trace: the gateway's request span, its RPC to orders,
// orders' queries and its RPC to catalog, and then every consumer of the saga's events (each a
// child of the "outbox write" that recorded its event), reactions included. The identity relay
// carries the trace to identity too. Spans collected by an in-memory exporter.
import { SpanKind } from "@opentelemetry/api";
import type { ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { Hono } from "hono";
import { beforeAll, describe, expect, it, vi } from "vitest";
import { startGateway } from "../../functions/gateway/services.js";
import {
  authorized,
  CUSTOMER_SCOPE,
  json,
  testGatewayConfig,
  testJwks,
  testToken,
} from "../../functions/gateway/testing.js";
import { useInMemoryTracing } from "../../functions/platform/testing/in-memory-tracing.js";
import { inProcessFetch } from "../../functions/platform/testing/in-process-fetch.js";
import { useSaga } from "../saga/harness.js";

const exporter = useInMemoryTracing({ resetBeforeEach: false });

function finishedSpan(where: (span: ReadableSpan) => boolean): Promise<ReadableSpan> {
  return vi.waitFor(
    () => {
      const span = exporter.getFinishedSpans().find(where);
      if (!span) throw new Error("no such span yet");
      return span;
    },
    { timeout: 30_000, interval: 50 },
  );
}

const parentOf = (span: ReadableSpan) => span.parentSpanContext?.spanId;
const idOf = (span: ReadableSpan) => span.spanContext().spanId;

describe("an order placed at the gateway", () => {
  const saga = useSaga("pglite");
  const identityHeard: (string | undefined)[] = [];
  const identity = new Hono().get("/.well-known/jwks.json", (c) => {
    identityHeard.push(c.req.header("traceparent"));
    return c.json({ keys: [] });
  });
  let gateway: Hono;
  beforeAll(() => {
    gateway = startGateway(testGatewayConfig, {
      upstreams: {
        catalog: inProcessFetch(saga.catalog.app),
        orders: inProcessFetch(saga.orders.app),
        identity: inProcessFetch(identity),
      },
      jwks: testJwks,
    });
  });

  it("is one trace across HTTP, RPC, queries and the saga's events", async () => {
    const product = await saga.product(5);
    const token = await testToken(CUSTOMER_SCOPE, { claims: { sub: "trace-customer" } });
    const response = await gateway.request(
      "/v1/orders",
      authorized(
        json("POST", {
          lines: [{ productId: product.id, quantity: 1 }],
          paymentToken: "tok_success",
        }),
        token,
      ),
    );
    expect(response.status).toBe(201);
    const { id } = (await response.json()) as { id: string };
    const [order] = (await saga.settled([id])).values();
    expect(order?.status).toBe("CONFIRMED");

    const request = await finishedSpan(
      (span) => span.name === "POST /v1/orders" && span.kind === SpanKind.SERVER,
    );
    expect(request.attributes).toMatchObject({
      "http.route": "/v1/orders",
      "http.response.status_code": 201,
    });
    const traceId = request.spanContext().traceId;
    const inTrace = (where: (span: ReadableSpan) => boolean) =>
      finishedSpan((span) => span.spanContext().traceId === traceId && where(span));

    // HTTP → RPC client → RPC server → queries, and orders' own call to catalog.
    const placeOrder = "slipway.orders.v1.OrdersService/PlaceOrder";
    const client = await inTrace((s) => s.name === placeOrder && s.kind === SpanKind.CLIENT);
    expect(parentOf(client)).toBe(idOf(request));
    const server = await inTrace((s) => s.name === placeOrder && s.kind === SpanKind.SERVER);
    expect(parentOf(server)).toBe(idOf(client));
    const query = await inTrace(
      (s) => s.attributes["db.system"] === "postgresql" && parentOf(s) === idOf(server),
    );
    expect(query.kind).toBe(SpanKind.CLIENT);
    const pricing = await inTrace(
      (s) =>
        s.kind === SpanKind.CLIENT &&
        s.attributes["rpc.service"] === "slipway.catalog.v1.CatalogService" &&
        parentOf(s) === idOf(server),
    );
    await inTrace((s) => s.kind === SpanKind.SERVER && parentOf(s) === idOf(pricing));

    // The events: OrderPlaced recorded under PlaceOrder, consumed by catalog and payments.
    const placed = await inTrace((s) => s.name === "outbox write" && parentOf(s) === idOf(server));
    const reserved = await inTrace((s) => s.name === "stock-reservations OrderPlaced");
    expect(reserved.kind).toBe(SpanKind.CONSUMER);
    expect(parentOf(reserved)).toBe(idOf(placed));
    await inTrace((s) => s.name === "payment-settlement OrderPlaced");

    // A saga step and its reaction: the confirmation is recorded inside the step's span, and
    // payments' capture continues from there.
    const step = await inTrace((s) => s.name === "order-saga PaymentAuthorized");
    const confirmed = await inTrace((s) => s.name === "outbox write" && parentOf(s) === idOf(step));
    const capture = await inTrace((s) => s.name === "payment-settlement OrderConfirmed");
    expect(parentOf(capture)).toBe(idOf(confirmed));
  }, 90_000);

  it("carries the trace through the identity relay", async () => {
    const response = await gateway.request("/.well-known/jwks.json", {
      headers: { traceparent: "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01" },
    });
    expect(response.status).toBe(200);
    const relay = await finishedSpan(
      (span) =>
        span.kind === SpanKind.CLIENT && span.attributes["url.path"] === "/.well-known/jwks.json",
    );
    const incoming = await finishedSpan((span) => span.name === "GET /.well-known/jwks.json");
    expect(incoming.spanContext().traceId).toBe("4bf92f3577b34da6a3ce929d0e0e4736");
    expect(parentOf(relay)).toBe(idOf(incoming));
    expect(identityHeard.at(-1)).toBe(`00-4bf92f3577b34da6a3ce929d0e0e4736-${idOf(relay)}-01`);
  });
});
