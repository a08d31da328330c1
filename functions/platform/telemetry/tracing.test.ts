// startTracing as each run mode calls it: the file exporter under DATA_DIR with spans
// attributed to services, OTLP/HTTP when configured (each service its own resource), nothing at
// all with TRACES=off or on Lambda without OTLP, and a clear error for a bad TRACES.
import { mkdtemp, readdir, rm } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, propagation, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { SERVICE_ATTRIBUTE } from "./span-service.js";
import { readSpanRecords } from "./trace-files.js";

let dataDir: string;
beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-tracing-"));
  for (const name of [
    "TRACES",
    "OTEL_SDK_DISABLED",
    "OTEL_EXPORTER_OTLP_ENDPOINT",
    "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
    "OTEL_SERVICE_NAME",
    "OTEL_RESOURCE_ATTRIBUTES",
  ]) {
    vi.stubEnv(name, undefined);
  }
  // Each test registers the SDK afresh, as a new process would.
  vi.resetModules();
});
afterEach(async () => {
  trace.disable();
  context.disable();
  propagation.disable();
  vi.unstubAllEnvs();
  await rm(dataDir, { recursive: true, force: true });
});

const load = () => import("./tracing.js");

/**
 * A gateway request span with a query under it, an RPC span whose instrumentation names its
 * service, and a span of no request; answers the request's trace id.
 */
async function makeSpans(): Promise<string> {
  return trace
    .getTracer("slipway.gateway")
    .startActiveSpan("POST /v1/orders", { kind: SpanKind.SERVER }, async (request) => {
      const rpc = trace.getTracer("slipway.rpc").startSpan("PlaceOrder", {
        kind: SpanKind.SERVER,
        attributes: { [SERVICE_ATTRIBUTE]: "orders" },
      });
      const carrier: Record<string, string> = {};
      propagation.inject(context.active(), carrier);
      expect(carrier.traceparent).toMatch(
        new RegExp(`^00-${request.spanContext().traceId}-${request.spanContext().spanId}-01$`),
      );
      await new Promise((resolve) => setTimeout(resolve, 1));
      trace.getTracer("slipway.db").startSpan("BEGIN").end();
      rpc.end();
      request.end();
      // Outside any request: the process's own.
      trace.getTracer("slipway.events").startSpan("outbox sweep", {}, ROOT_CONTEXT).end();
      return request.spanContext().traceId;
    });
}

describe("startTracing", () => {
  it("writes spans to DATA_DIR/traces, each with its service, and flushes on shutdown", async () => {
    const { startTracing } = await load();
    const tracing = await startTracing({ service: "slipway", dataDir });
    expect(tracing).toMatchObject({ exporter: "file", destination: join(dataDir, "traces") });
    // Once per process: a second call changes nothing.
    expect(await startTracing({ service: "other" })).toBe(tracing);

    const traceId = await makeSpans();
    const { flushTracing } = await load();
    await flushTracing();
    const { spans } = await readSpanRecords(join(dataDir, "traces"));
    await tracing.shutdown();
    expect(spans.map((span) => [span.name, span.service, span.scope])).toEqual([
      ["BEGIN", "gateway", "slipway.db"],
      ["PlaceOrder", "orders", "slipway.rpc"],
      ["POST /v1/orders", "gateway", "slipway.gateway"],
      ["outbox sweep", "slipway", "slipway.events"],
    ]);
    expect(spans.slice(0, 3).every((span) => span.traceId === traceId)).toBe(true);
    expect(spans[0]?.parentSpanId).toBe(spans[2]?.spanId);
  });

  it("sends spans over OTLP/HTTP when configured, each service under its own resource", async () => {
    const received: unknown[] = [];
    const collector: Server = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk) => {
        body += chunk;
      });
      request.on("end", () => {
        received.push({ path: request.url, body: JSON.parse(body) });
        response.writeHead(200, { "content-type": "application/json" }).end("{}");
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = collector.address() as AddressInfo;
      vi.stubEnv("OTEL_EXPORTER_OTLP_ENDPOINT", `http://127.0.0.1:${port}`);
      const { startTracing } = await load();
      const tracing = await startTracing({ service: "slipway", dataDir });
      expect(tracing).toMatchObject({
        exporter: "otlp",
        destination: `OTLP/HTTP http://127.0.0.1:${port}/v1/traces`,
      });
      const traceId = await makeSpans();
      await tracing.shutdown();

      expect(received).not.toHaveLength(0);
      const byService: Record<string, string[]> = {};
      for (const { path, body } of received as {
        path: string;
        body: {
          resourceSpans: {
            resource: { attributes: { key: string; value: { stringValue?: string } }[] };
            scopeSpans: { spans: { name: string; traceId: string }[] }[];
          }[];
        };
      }[]) {
        expect(path).toBe("/v1/traces");
        for (const { resource, scopeSpans } of body.resourceSpans) {
          const service = resource.attributes.find((a) => a.key === "service.name")?.value
            .stringValue as string;
          for (const { spans } of scopeSpans) {
            for (const span of spans) {
              if (span.name !== "outbox sweep") expect(span.traceId).toBe(traceId);
              byService[service] = [...(byService[service] ?? []), span.name];
            }
          }
        }
      }
      expect(byService).toEqual({
        slipway: ["outbox sweep"],
        orders: ["PlaceOrder"],
        gateway: ["BEGIN", "POST /v1/orders"],
      });
      // Nothing was written locally.
      await expect(readdir(join(dataDir, "traces"))).rejects.toThrow(/ENOENT/);
    } finally {
      collector.close();
    }
  });

  it("registers nothing with TRACES=off", async () => {
    vi.stubEnv("TRACES", "off");
    const { startTracing } = await load();
    const tracing = await startTracing({ service: "slipway", dataDir });
    expect(tracing).toMatchObject({ exporter: "off", destination: "off (TRACES=off)" });
    const span = trace.getTracer("slipway.orders").startSpan("anything");
    expect(span.isRecording()).toBe(false);
    span.end();
    await tracing.shutdown();
    await expect(readdir(join(dataDir, "traces"))).rejects.toThrow(/ENOENT/);
  });

  it("registers nothing on Lambda (no data directory) without OTLP", async () => {
    const { startTracing } = await load();
    expect(await startTracing({ service: "orders" })).toMatchObject({ exporter: "off" });
    expect(trace.getTracer("slipway.orders").startSpan("anything").isRecording()).toBe(false);
  });

  it("rejects a TRACES that is neither on nor off", async () => {
    vi.stubEnv("TRACES", "maybe");
    const { startTracing } = await load();
    // The module registry was reset, so the class is the one tracing.ts now sees.
    const { ConfigError } = await import("../config.js");
    await expect(startTracing({ service: "slipway", dataDir })).rejects.toThrow(ConfigError);
    await expect(startTracing({ service: "slipway", dataDir })).rejects.toThrow(/TRACES/);
  });
});
