// Without a registered tracer provider, requests and RPCs make no spans and send no trace
// context, and still record their durations; with one, they trace (the other tracing tests).
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { trace } from "@opentelemetry/api";
import { BasicTracerProvider } from "@opentelemetry/sdk-trace-base";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  CatalogService,
  GetProductResponseSchema,
  ProductSchema,
} from "../../gen/catalog/v1/catalog_pb.js";
import { traceRequests } from "../http/trace-middleware.js";
import { type Dimensions, type MetricsSink, setMetricsSink } from "../metrics.js";
import { createServiceClient } from "../rpc/client.js";
import { mountConnect } from "../rpc/serve.js";
import { inProcessFetch } from "../testing/in-process-fetch.js";
import { tracingRegistered } from "./tracing-registered.js";

const durations: { name: string; dimensions: Dimensions | undefined }[] = [];
let previousSink: MetricsSink | undefined;
beforeAll(() => {
  previousSink = setMetricsSink({
    count() {},
    duration(name, _ms, dimensions) {
      durations.push({ name, dimensions });
    },
  });
});
afterAll(() => {
  setMetricsSink(previousSink);
});

describe("tracingRegistered", () => {
  it("answers whether a tracer provider is registered, as it changes", async () => {
    expect(tracingRegistered()).toBe(false);
    const provider = new BasicTracerProvider();
    trace.setGlobalTracerProvider(provider);
    try {
      expect(tracingRegistered()).toBe(true);
    } finally {
      trace.disable();
      await provider.shutdown();
    }
    expect(tracingRegistered()).toBe(false);
  });
});

describe("without a tracer provider", () => {
  const traceparents: (string | null)[] = [];
  const catalog = new Hono();
  catalog.use(traceRequests());
  mountConnect(catalog, (router) =>
    router.service(CatalogService, {
      async getProduct({ id }, context) {
        traceparents.push(context.requestHeader.get("traceparent"));
        if (id === "missing") throw new ConnectError("no such product", Code.NotFound);
        return create(GetProductResponseSchema, { product: create(ProductSchema, { id }) });
      },
    }),
  );
  const client = createServiceClient(CatalogService, {
    baseUrl: "http://catalog.test",
    timeoutMs: 5000,
    fetch: inProcessFetch(catalog),
  });
  const procedure = "slipway.catalog.v1.CatalogService/GetProduct";

  it("calls without trace context and records each side's duration by code", async () => {
    durations.length = 0;
    expect((await client.getProduct({ id: "p-1" })).product?.id).toBe("p-1");
    await expect(client.getProduct({ id: "missing" })).rejects.toThrow(/no such product/);
    expect(traceparents).toEqual([null, null]);
    expect(durations).toEqual([
      { name: "rpc_server_duration_ms", dimensions: { procedure, code: "ok" } },
      { name: "rpc_client_duration_ms", dimensions: { procedure, code: "ok" } },
      { name: "rpc_server_duration_ms", dimensions: { procedure, code: "not_found" } },
      { name: "rpc_client_duration_ms", dimensions: { procedure, code: "not_found" } },
    ]);
  });

  it("passes HTTP requests and their answers through the trace middleware untouched", async () => {
    const app = new Hono();
    app.use(traceRequests());
    app.get("/ok", (c) => c.json({ ok: true }, 201, { "x-kept": "yes" }));
    const response = await app.request("/ok");
    expect(response.status).toBe(201);
    expect(response.headers.get("x-kept")).toBe("yes");
    expect(await response.json()).toEqual({ ok: true });
  });
});
