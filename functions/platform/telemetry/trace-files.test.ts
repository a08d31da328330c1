// The JSON-lines span files: what the SDK ends comes back from the reader field by field,
// concurrent batches never interleave their lines, and each span lands in the file of the UTC
// day it started.
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { ExportResultCode } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  type ReadableSpan,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { serviceOf } from "./span-service.js";
import { JsonLinesSpanExporter, readSpanRecords, traceFileName } from "./trace-files.js";

let dir: string;
beforeEach(async () => {
  dir = join(await mkdtemp(join(tmpdir(), "slipway-trace-files-")), "traces");
});
afterEach(async () => {
  await rm(join(dir, ".."), { recursive: true, force: true });
});

/** A provider that writes every ended span straight to a file exporter in `dir`. */
function fileProvider(into = dir) {
  const exporter = new JsonLinesSpanExporter(into, (span) => serviceOf(span, "slipway"));
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  return { exporter, provider };
}

describe("JsonLinesSpanExporter", () => {
  it("writes spans the reader gives back field by field", async () => {
    const { provider } = fileProvider();
    const tracer = provider.getTracer("slipway.orders");
    const start = Date.UTC(2026, 10, 29, 7, 50, 1, 123);
    const parent = tracer.startSpan("POST /v1/orders", {
      kind: SpanKind.SERVER,
      startTime: start,
      attributes: { "http.request.method": "POST", "http.response.status_code": 201 },
    });
    const child = provider.getTracer("slipway.rpc").startSpan(
      "slipway.catalog.v1.CatalogService/ReserveStock",
      {
        kind: SpanKind.CLIENT,
        startTime: start + 2,
        attributes: { "slipway.service": "catalog", "rpc.method": "ReserveStock" },
        links: [{ context: parent.spanContext(), attributes: { why: "test" } }],
      },
      trace.setSpan(context.active(), parent),
    );
    child.recordException(
      Object.assign(new Error("out of stock"), { name: "StockError" }),
      start + 3,
    );
    child.setStatus({ code: SpanStatusCode.ERROR, message: "out of stock" });
    child.end(start + 4.5);
    parent.end(start + 10.25);
    await provider.shutdown();

    const { spans, files, badLines } = await readSpanRecords(dir);
    expect(files).toEqual([join(dir, "2026-11-29.jsonl")]);
    expect(badLines).toBe(0);
    const [first, second] = spans;
    const traceId = parent.spanContext().traceId;
    expect(first).toEqual({
      traceId,
      spanId: child.spanContext().spanId,
      parentSpanId: parent.spanContext().spanId,
      name: "slipway.catalog.v1.CatalogService/ReserveStock",
      kind: "CLIENT",
      service: "catalog",
      scope: "slipway.rpc",
      startMs: start + 2,
      endMs: start + 4.5,
      durationMs: 2.5,
      status: { code: "ERROR", message: "out of stock" },
      attributes: { "slipway.service": "catalog", "rpc.method": "ReserveStock" },
      events: [
        {
          name: "exception",
          timeMs: start + 3,
          attributes: expect.objectContaining({
            "exception.type": "StockError",
            "exception.message": "out of stock",
          }),
        },
      ],
      links: [{ traceId, spanId: parent.spanContext().spanId, attributes: { why: "test" } }],
    });
    expect(second).toEqual({
      traceId,
      spanId: parent.spanContext().spanId,
      name: "POST /v1/orders",
      kind: "SERVER",
      service: "orders",
      scope: "slipway.orders",
      startMs: start,
      endMs: start + 10.25,
      durationMs: 10.25,
      status: { code: "UNSET" },
      attributes: { "http.request.method": "POST", "http.response.status_code": 201 },
      events: [],
      links: [],
    });
    expect(await readSpanRecords(dir, traceId.slice(0, 8))).toMatchObject({
      spans: [first, second],
    });
    expect((await readSpanRecords(dir, "0".repeat(32))).spans).toEqual([]);
  });

  it("keeps every line whole when batches are appended at once", async () => {
    // Four exporters (four open files, as four processes would have) on one file, each given
    // 25 batches of 40 spans with 2 KB attributes at once: 4000 lines, 8 MB, written
    // concurrently by the thread pool.
    // The spans come from a provider that exports nothing itself.
    const tracer = new BasicTracerProvider().getTracer("slipway.catalog");
    const writers = Array.from({ length: 4 }, (_, writer) => ({
      writer,
      exporter: new JsonLinesSpanExporter(dir, (span) => serviceOf(span, "slipway")),
    }));
    const start = Date.UTC(2026, 10, 29, 12);
    const exports: Promise<unknown>[] = [];
    for (const { writer, exporter } of writers) {
      for (let batch = 0; batch < 25; batch++) {
        const spans = Array.from({ length: 40 }, (_, index) => {
          const span = tracer.startSpan(`w${writer} b${batch} s${index}`, {
            startTime: start,
            attributes: { payload: String(writer).repeat(2048) },
          });
          span.end(start + 1);
          return span as unknown as ReadableSpan;
        });
        exports.push(
          new Promise((resolve, reject) =>
            exporter.export(spans, (result) =>
              result.code === ExportResultCode.SUCCESS ? resolve(result) : reject(result.error),
            ),
          ),
        );
      }
    }
    await Promise.all(exports);
    await Promise.all(writers.map(({ exporter }) => exporter.shutdown()));

    const text = await readFile(join(dir, "2026-11-29.jsonl"), "utf8");
    const lines = text.trimEnd().split("\n");
    expect(lines).toHaveLength(4000);
    const names = new Set(lines.map((line) => JSON.parse(line).name));
    expect(names.size).toBe(4000);
    const { spans, badLines } = await readSpanRecords(dir);
    expect(badLines).toBe(0);
    for (const span of spans) {
      expect(span.attributes.payload).toBe(span.name.slice(1, 2).repeat(2048));
    }
  });

  it("puts each span in the file of the UTC day it started", async () => {
    const { provider } = fileProvider();
    const tracer = provider.getTracer("slipway.payments");
    const midnight = Date.UTC(2026, 11, 31, 24);
    for (const [name, at] of [
      ["before", midnight - 0.5],
      ["at", midnight],
      ["next month", Date.UTC(2027, 1, 3, 9)],
    ] as const) {
      // The last one of the day ends on the next: its start decides.
      tracer.startSpan(name, { startTime: at }).end(at + 5);
    }
    await provider.shutdown();

    expect((await readdir(dir)).sort()).toEqual([
      "2026-12-31.jsonl",
      "2027-01-01.jsonl",
      "2027-02-03.jsonl",
    ]);
    const namesIn = async (file: string) =>
      (await readFile(join(dir, file), "utf8"))
        .trimEnd()
        .split("\n")
        .map((line) => JSON.parse(line).name);
    expect(await namesIn("2026-12-31.jsonl")).toEqual(["before"]);
    expect(await namesIn("2027-01-01.jsonl")).toEqual(["at"]);
    expect(traceFileName(midnight - 1)).toBe("2026-12-31.jsonl");
    // The reader takes the files oldest first.
    expect((await readSpanRecords(dir)).spans.map((span) => span.name)).toEqual([
      "before",
      "at",
      "next month",
    ]);
  });

  it("appends to what is there and skips lines that are not spans", async () => {
    const { provider } = fileProvider();
    provider.getTracer("slipway.identity").startSpan("first", { startTime: 1_000 }).end(1_001);
    await provider.forceFlush();
    // A line cut short, as a crash in the middle of a write would leave it.
    await writeFile(join(dir, traceFileName(1_000)), '{"traceId":"abc","spa\n', { flag: "a" });
    provider.getTracer("slipway.identity").startSpan("second", { startTime: 1_002 }).end(1_003);
    await provider.shutdown();

    const { spans, badLines } = await readSpanRecords(dir);
    expect(spans.map((span) => [span.name, span.service])).toEqual([
      ["first", "identity"],
      ["second", "identity"],
    ]);
    expect(badLines).toBe(1);
  });

  it("reads nothing, without failing, where no trace was ever written", async () => {
    expect(await readSpanRecords(join(dir, "none"))).toEqual({ spans: [], files: [], badLines: 0 });
  });
});
