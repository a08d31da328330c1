// Acceptance (observability, traces): with `npm start`, one order placed through the gateway
// as the demo customer and CONFIRMED is ONE trace in DATA_DIR/traces holding the gateway's
// HTTP server span, the orders service's PlaceOrder server span, an outbox dispatch, and the
// consumer spans of catalog, payments and orders' own; `npm run trace -- <id>` prints it.
//
// The trace is found as a user would: by its root, the one POST /v1/orders of this run.
import { spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { SpanRecord } from "../../functions/platform/telemetry/trace-files.js";
import { readSpanRecords } from "../../functions/platform/telemetry/trace-files.js";
import { startSystemSignedIn, stopSystems } from "./running-system.js";
import { REPO_ROOT, type SystemProcess } from "./system.js";

let dataDir: string;
let gateway: string;
let admin: string;
let customer: string;

beforeAll(async () => {
  let system: SystemProcess;
  ({ dataDir, gateway, admin, customer, system } = await startSystemSignedIn("trace", {
    LOG_LEVEL: "WARN",
    // The files, whatever the developer's shell says about tracing.
    TRACES: "on",
    OTEL_SDK_DISABLED: "",
    OTEL_EXPORTER_OTLP_ENDPOINT: "",
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: "",
  }));
  expect(system.stdout).toContain(`traces    ${join(dataDir, "traces")}`);
}, 90_000);

afterAll(() => stopSystems(dataDir));

async function api(method: string, path: string, token: string, body?: unknown) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, json: await response.json() };
}

function runTrace(args: string[]): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--import", "tsx", "functions/tools/trace.ts", ...args],
      {
        cwd: REPO_ROOT,
        env: { ...process.env, DATA_DIR: dataDir },
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    let stdout = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout }));
  });
}

const isPlacingRequest = (s: SpanRecord) =>
  s.service === "gateway" && s.kind === "SERVER" && s.name === "POST /v1/orders";

/** What the acceptance asks of the order's trace; each a description and a test. */
const EXPECTED: [string, (span: SpanRecord) => boolean][] = [
  ["the gateway's HTTP server span", isPlacingRequest],
  [
    "the orders RPC server span (PlaceOrder)",
    (s) =>
      s.service === "orders" &&
      s.kind === "SERVER" &&
      s.name === "slipway.orders.v1.OrdersService/PlaceOrder",
  ],
  ["an outbox dispatch span", (s) => s.name === "outbox dispatch"],
  ["a consumer span in catalog", (s) => s.service === "catalog" && s.kind === "CONSUMER"],
  ["a consumer span in payments", (s) => s.service === "payments" && s.kind === "CONSUMER"],
  ["a consumer span in orders", (s) => s.service === "orders" && s.kind === "CONSUMER"],
];

describe("traces of npm start", () => {
  it("follow one order from the gateway through every service", { timeout: 60_000 }, async () => {
    const created = await api("POST", "/v1/products", admin, {
      sku: `E2E-TRACE-${process.pid}-${Date.now().toString(36)}`,
      name: "Teapot",
      price: { amountMinor: 1800, currency: "EUR" },
      stock: 3,
    });
    expect(created.status).toBe(201);
    const placed = await api("POST", "/v1/orders", customer, {
      lines: [{ productId: created.json.id, quantity: 1 }],
      paymentToken: "tok_success",
    });
    expect(placed.status).toBe(201);
    await vi.waitFor(
      async () => {
        const order = await api("GET", `/v1/orders/${placed.json.id}`, customer);
        if (order.json.status !== "confirmed") throw new Error(`order is ${order.json.status}`);
      },
      { timeout: 15_000, interval: 50 },
    );

    // Spans are written in batches a moment after they end; the last consumer may end later.
    let missing: string[] = [];
    const spans = await vi
      .waitFor(
        async () => {
          const { spans: all } = await readSpanRecords(join(dataDir, "traces"));
          const request = all.filter(isPlacingRequest);
          if (request.length !== 1) throw new Error(`${request.length} POST /v1/orders spans`);
          const trace = all.filter((span) => span.traceId === request[0]?.traceId);
          missing = EXPECTED.filter(([, test]) => !trace.some(test)).map(([what]) => what);
          if (missing.length > 0) throw new Error(`missing: ${missing.join("; ")}`);
          return trace;
        },
        { timeout: 10_000, interval: 200 },
      )
      .catch(() => undefined);
    expect(missing, "spans missing from the order's trace").toEqual([]);
    const traceId = spans?.[0]?.traceId as string;

    // One trace: the request span is its root, and every span hangs from it.
    const root = spans?.find(isPlacingRequest);
    expect(root?.parentSpanId).toBeUndefined();
    const ids = new Set(spans?.map((span) => span.spanId));
    expect(spans?.filter((span) => span.parentSpanId && !ids.has(span.parentSpanId))).toEqual([]);

    const printed = await runTrace([traceId]);
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(`trace ${traceId} ·`);
    expect(printed.stdout).toMatch(/ gateway {2}POST \/v1\/orders {2}\(server\)/);
    expect(printed.stdout).toMatch(
      /─ orders {2}slipway\.orders\.v1\.OrdersService\/PlaceOrder {2}\(server\)/,
    );
    expect(printed.stdout).toMatch(/─ orders {2}outbox dispatch {2}\(producer\)/);
    for (const service of ["catalog", "payments", "orders"]) {
      expect(printed.stdout).toMatch(new RegExp(`─ ${service} {2}.+ {2}\\(consumer\\)`));
    }
    const listed = await runTrace(["--last"]);
    expect(listed.stdout).toMatch(new RegExp(`${traceId} {2}gateway {2}POST /v1/orders`));
  });
});
