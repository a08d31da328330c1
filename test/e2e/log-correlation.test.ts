// Acceptance (observability, logs): every log line written during one order's flow — the
// gateway request that places it, the RPCs it makes, and the handlers of the events it causes
// until the order is CONFIRMED — carries the same trace id. Through `npm start` with JSON logs
// at DEBUG.
//
// Which lines belong to the flow is decided without looking at trace ids (that would prove
// nothing): lines of the placing request (its `request_id`, which we choose), lines that name
// the order, and every line of a message whose handler named the order. Lines of the requests
// that poll for the outcome (their own `request_id`s, also ours) are other flows and left out.
import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSystemSignedIn, stopSystems } from "./running-system.js";
import type { SystemProcess } from "./system.js";

type LogLine = Record<string, unknown> & { text: string };

let dataDir: string;
let gateway: string;
let system: SystemProcess;
let admin: string;
let customer: string;

beforeAll(async () => {
  ({ dataDir, gateway, admin, customer, system } = await startSystemSignedIn("logs", {
    LOG_LEVEL: "DEBUG",
    LOG_FORMAT: "json",
  }));
}, 90_000);

afterAll(() => stopSystems(dataDir));

async function api(method: string, path: string, token: string, requestId: string, body?: unknown) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      "x-request-id": requestId,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

/** The JSON log lines printed since `from` (offsets into stdout and stderr). */
function logLinesSince(from: { stdout: number; stderr: number }): LogLine[] {
  const text = `${system.stdout.slice(from.stdout)}\n${system.stderr.slice(from.stderr)}`;
  const lines: LogLine[] = [];
  for (const line of text.split("\n")) {
    if (!line.startsWith("{")) continue;
    try {
      const parsed = JSON.parse(line) as Record<string, unknown>;
      if (typeof parsed.level === "string") lines.push({ ...parsed, text: line });
    } catch {
      // A line that merely starts with a brace is not a log line.
    }
  }
  return lines;
}

/** Waits until nothing new is logged for `quietMs` (the flow's last handlers have run). */
async function untilQuiet(quietMs: number, timeoutMs: number): Promise<void> {
  const started = Date.now();
  let size = -1;
  while (Date.now() - started < timeoutMs) {
    const now = system.stdout.length + system.stderr.length;
    if (now === size) return;
    size = now;
    await new Promise((resolve) => setTimeout(resolve, quietMs));
  }
}

describe("log correlation through npm start", () => {
  it("gives every line of one order's flow the same trace id", { timeout: 60_000 }, async () => {
    const tag = randomUUID().slice(0, 8);
    const product = await api("POST", "/v1/products", admin, `e2e-product-${tag}`, {
      sku: `E2E-LOGS-${tag}`,
      name: "Kettle",
      price: { amountMinor: 2500, currency: "EUR" },
      stock: 5,
    });
    expect(product.status).toBe(201);
    await untilQuiet(300, 5_000);

    const from = { stdout: system.stdout.length, stderr: system.stderr.length };
    const placeId = `e2e-place-${tag}`;
    const placed = await api("POST", "/v1/orders", customer, placeId, {
      lines: [{ productId: product.json.id, quantity: 1 }],
      paymentToken: "tok_success",
    });
    expect(placed.status).toBe(201);
    expect(placed.headers.get("x-request-id"), "the request id is not echoed").toBe(placeId);
    const orderId: string = placed.json.id;

    const pollIds = new Set<string>();
    let status = placed.json.status;
    const started = Date.now();
    while (status !== "confirmed" && Date.now() - started < 15_000) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const pollId = `e2e-poll-${tag}-${pollIds.size}`;
      pollIds.add(pollId);
      status = (await api("GET", `/v1/orders/${orderId}`, customer, pollId)).json.status;
    }
    expect(status).toBe("confirmed");
    // What follows CONFIRMED (capturing the payment, settling the reservation) is the flow too.
    await untilQuiet(500, 10_000);

    const lines = logLinesSince(from).filter(
      (line) => typeof line.request_id !== "string" || !pollIds.has(line.request_id),
    );
    const namesOrder = (line: LogLine) => line.text.includes(orderId);
    const flowMessages = new Set(
      lines
        .filter(namesOrder)
        .map((line) => line.message_id)
        .filter((id): id is string => typeof id === "string"),
    );
    const flow = lines.filter(
      (line) =>
        line.request_id === placeId ||
        namesOrder(line) ||
        (typeof line.message_id === "string" && flowMessages.has(line.message_id)),
    );
    const shown = flow.map((line) => line.text).join("\n");

    expect(flow.length, "no log line of the flow at DEBUG").toBeGreaterThan(0);
    expect(
      flow.some((line) => line.request_id === placeId),
      `no line of the placing request carries its request id:\n${shown}`,
    ).toBe(true);
    expect(
      flow.some((line) => typeof line.message_id === "string"),
      `no line of an event handler of the flow:\n${shown}`,
    ).toBe(true);
    const traceIds = new Set(flow.map((line) => line.trace_id));
    expect([...traceIds], `the flow's lines by trace id:\n${shown}`).toEqual([
      expect.stringMatching(/^[0-9a-f]{32}$/),
    ]);
  });
});
