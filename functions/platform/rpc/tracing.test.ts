// Client and server spans of an RPC: one trace through the `traceparent` header, the Connect
// code on failure (an error status where it is one), and a duration per procedure and code.
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { Hono } from "hono";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  CatalogService,
  GetProductResponseSchema,
  ProductSchema,
} from "../../gen/catalog/v1/catalog_pb.js";
import { type Dimensions, type MetricsSink, setMetricsSink } from "../metrics.js";
import { useInMemoryTracing } from "../testing/in-memory-tracing.js";
import { inProcessFetch } from "../testing/in-process-fetch.js";
import { createServiceClient } from "./client.js";
import { mountConnect } from "./serve.js";

const exporter = useInMemoryTracing();
const durations: { name: string; dimensions: Dimensions | undefined }[] = [];
const sink: MetricsSink = {
  count() {},
  duration(name, _ms, dimensions) {
    durations.push({ name, dimensions });
  },
};
let previousSink: MetricsSink | undefined;

beforeAll(() => {
  previousSink = setMetricsSink(sink);
});
afterAll(() => {
  setMetricsSink(previousSink);
});
beforeEach(() => {
  durations.length = 0;
});

const app = new Hono();
mountConnect(app, (router) =>
  router.service(CatalogService, {
    async getProduct({ id }) {
      if (id === "missing") throw new ConnectError("no such product", Code.NotFound);
      if (id === "broken") throw new ConnectError("internal error", Code.Internal);
      return create(GetProductResponseSchema, { product: create(ProductSchema, { id }) });
    },
  }),
);
const client = createServiceClient(CatalogService, {
  baseUrl: "http://catalog.test",
  timeoutMs: 5000,
  fetch: inProcessFetch(app),
});
const PROCEDURE = "slipway.catalog.v1.CatalogService/GetProduct";

describe("RPC tracing", () => {
  it("makes a CLIENT span and a SERVER span continuing it from the header", async () => {
    const parent = await trace.getTracer("test").startActiveSpan("caller", async (span) => {
      await client.getProduct({ id: "p-1" });
      span.end();
      return span.spanContext();
    });
    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(clientSpan?.name).toBe(PROCEDURE);
    expect(clientSpan?.parentSpanContext?.spanId).toBe(parent.spanId);
    expect(serverSpan?.name).toBe(PROCEDURE);
    expect(serverSpan?.spanContext().traceId).toBe(parent.traceId);
    expect(serverSpan?.parentSpanContext).toMatchObject({
      spanId: clientSpan?.spanContext().spanId,
      isRemote: true,
    });
    expect(serverSpan?.attributes).toEqual({
      "rpc.system": "connect_rpc",
      "rpc.service": "slipway.catalog.v1.CatalogService",
      "rpc.method": "GetProduct",
    });
    expect(clientSpan?.attributes).toMatchObject({ "server.address": "catalog.test" });
    expect(durations).toEqual(
      expect.arrayContaining([
        { name: "rpc_client_duration_ms", dimensions: { procedure: PROCEDURE, code: "ok" } },
        { name: "rpc_server_duration_ms", dimensions: { procedure: PROCEDURE, code: "ok" } },
      ]),
    );
  });

  it("records the code: a client error on not_found, but not the server's fault", async () => {
    await expect(client.getProduct({ id: "missing" })).rejects.toThrow(/no such product/);
    const spans = exporter.getFinishedSpans();
    const clientSpan = spans.find((span) => span.kind === SpanKind.CLIENT);
    const serverSpan = spans.find((span) => span.kind === SpanKind.SERVER);
    expect(clientSpan?.attributes["rpc.connect_rpc.error_code"]).toBe("not_found");
    expect(clientSpan?.status.code).toBe(SpanStatusCode.ERROR);
    expect(serverSpan?.attributes["rpc.connect_rpc.error_code"]).toBe("not_found");
    expect(serverSpan?.status.code).toBe(SpanStatusCode.UNSET);
    expect(durations).toContainEqual({
      name: "rpc_server_duration_ms",
      dimensions: { procedure: PROCEDURE, code: "not_found" },
    });
  });

  it("marks the server span an error on internal", async () => {
    await expect(client.getProduct({ id: "broken" })).rejects.toThrow();
    const serverSpan = exporter.getFinishedSpans().find((span) => span.kind === SpanKind.SERVER);
    expect(serverSpan?.status).toEqual({ code: SpanStatusCode.ERROR, message: "internal error" });
    expect(serverSpan?.attributes["rpc.connect_rpc.error_code"]).toBe("internal");
  });
});
