// `npm run trace` as a user runs it: a child process reading DATA_DIR/traces, written here by
// the same exporter `npm start` uses.
import { spawn } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { BasicTracerProvider, SimpleSpanProcessor } from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ServiceAttribution, serviceOf } from "../platform/telemetry/span-service.js";
import { JsonLinesSpanExporter } from "../platform/telemetry/trace-files.js";

const TRACE = fileURLToPath(new URL("./trace.ts", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runTrace(args: string[], dataDir: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", TRACE, ...args], {
      env: { ...process.env, DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
  });
}

let dataDir: string;
let placed: string;
let listed: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-trace-cli-"));
  const provider = new BasicTracerProvider({
    spanProcessors: [
      new ServiceAttribution(),
      new SimpleSpanProcessor(
        new JsonLinesSpanExporter(join(dataDir, "traces"), (span) => serviceOf(span, "slipway")),
      ),
    ],
  });
  const gateway = provider.getTracer("slipway.gateway");
  const at = Date.UTC(2026, 10, 29, 8);
  const request = gateway.startSpan("POST /v1/orders", { kind: SpanKind.SERVER, startTime: at });
  const rpc = provider
    .getTracer("slipway.orders")
    .startSpan(
      "slipway.orders.v1.OrdersService/PlaceOrder",
      { kind: SpanKind.SERVER, startTime: at + 2 },
      trace.setSpan(context.active(), request),
    );
  rpc.recordException({ name: "ConnectError[unavailable]", message: "catalog is down" }, at + 5);
  rpc.setStatus({ code: SpanStatusCode.ERROR, message: "catalog is down" });
  rpc.end(at + 6);
  request.end(at + 8);
  const list = gateway.startSpan("GET /v1/products", {
    kind: SpanKind.SERVER,
    startTime: at + 60_000,
  });
  list.end(at + 60_003);
  // The bus's own work: a received batch, linked to its messages' traces.
  provider
    .getTracer("slipway.events")
    .startSpan("receive catalog", {
      kind: SpanKind.CONSUMER,
      startTime: at + 90_000,
      attributes: {
        "messaging.operation.type": "receive",
        "messaging.destination.name": "catalog",
      },
    })
    .end(at + 90_001);
  await provider.shutdown();
  placed = request.spanContext().traceId;
  listed = list.spanContext().traceId;
});

afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

describe("npm run trace", () => {
  it("prints a trace as a tree with services, kinds, durations and errors", async () => {
    const run = await runTrace([placed], dataDir);
    expect(run).toMatchObject({ code: 0, stderr: "" });
    expect(run.stdout).toContain(`trace ${placed} · 2 spans · 8.00 ms`);
    expect(run.stdout).toContain("  +0.00 ms    8.00 ms  gateway  POST /v1/orders  (server)\n");
    expect(run.stdout).toContain(
      "  +2.00 ms    4.00 ms  └─ orders  slipway.orders.v1.OrdersService/PlaceOrder  (server)  ✗ ERROR: catalog is down\n",
    );
    expect(run.stdout).toContain("! exception ConnectError[unavailable]: catalog is down");
  });

  it("finds a trace by a unique prefix of its id", async () => {
    const run = await runTrace([listed.slice(0, 12)], dataDir);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`trace ${listed} · 1 span ·`);
  });

  it("lists the most recent traces first, the bus's batch receives only with --all", async () => {
    const run = await runTrace(["--last"], dataDir);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines[1]).toContain(`${listed}  gateway  GET /v1/products`);
    expect(lines[2]).toContain(`${placed}  gateway  POST /v1/orders`);
    expect(lines[2]).toMatch(/ 8\.00 ms +2 +1 /);
    expect(run.stdout).not.toContain("receive catalog");
    expect(run.stdout).toContain(
      `2 of 2 trace(s) in ${join(dataDir, "traces")} (and 1 of bus batch receives: --all)`,
    );
    expect((await runTrace(["--list", "1"], dataDir)).stdout).toContain("1 of 2 trace(s)");
    const all = await runTrace(["--last", "--all"], dataDir);
    expect(all.stdout.split("\n")[1]).toContain("catalog  receive catalog");
    expect(all.stdout).toContain("3 of 3 trace(s)");
  });

  it("says so for an unknown trace, no traces at all, and bad arguments", async () => {
    const unknown = await runTrace(["0123456789abcdef0123456789abcdef"], dataDir);
    expect(unknown).toMatchObject({ code: 1, stdout: "" });
    expect(unknown.stderr).toContain("no trace 0123456789abcdef0123456789abcdef in");
    expect(unknown.stderr).toContain("npm run trace -- --last");

    const empty = await runTrace(["--last"], join(dataDir, "nothing-here"));
    expect(empty.code).toBe(1);
    expect(empty.stderr).toContain("no traces in");

    expect((await runTrace([], dataDir)).code).toBe(2);
    expect((await runTrace(["not-an-id"], dataDir)).stderr).toContain("not a trace id");
    expect((await runTrace(["--last", "0"], dataDir)).code).toBe(2);
  });
});
