// Acceptance (orders), end to end with `npm start`, through the gateway with plain HTTP: a
// customer's order with the success token ends CONFIRMED and takes the stock; the declined
// token ends REJECTED with the stock back; too many units end REJECTED naming the short line;
// one Idempotency-Key twice makes one order and one payment; cancelling a confirmed order
// refunds it and returns the stock.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { logIn } from "./oauth-client.js";
import { startSystemSignedIn, stopSystems } from "./running-system.js";

const FINAL = new Set(["confirmed", "rejected", "cancelled", "refunded"]);

let dataDir: string;
let gateway: string;
let paymentsUrl: string;
let admin: string;
let customer: string;

beforeAll(async () => {
  const running = await startSystemSignedIn("orders", { LOG_LEVEL: "WARN" });
  ({ dataDir, gateway, admin, customer } = running);
  paymentsUrl = `http://127.0.0.1:${running.ports.PORT_PAYMENTS}`;
}, 90_000);

afterAll(() => stopSystems(dataDir));

async function api(method: string, path: string, token?: string, body?: unknown, headers = {}) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

async function newProduct(stock: number): Promise<string> {
  const created = await api("POST", "/v1/products", admin, {
    sku: `E2E-ORDER-${process.pid}-${Math.random().toString(36).slice(2, 8)}`,
    name: "Kettle",
    price: { amountMinor: 2500, currency: "EUR" },
    stock,
  });
  expect(created.status).toBe(201);
  return created.json.id;
}

const stockOf = async (productId: string) =>
  (await api("GET", `/v1/products/${productId}`)).json.stock as number;

function place(productId: string, quantity: number, paymentToken: string, key?: string) {
  return api(
    "POST",
    "/v1/orders",
    customer,
    { lines: [{ productId, quantity }], paymentToken },
    key ? { "idempotency-key": key } : {},
  );
}

/** The order once it is final (or whatever it is after 10 s, which fails the caller's checks). */
async function settled(orderId: string) {
  const started = Date.now();
  for (;;) {
    const order = await api("GET", `/v1/orders/${orderId}`, customer);
    expect(order.status).toBe(200);
    if (FINAL.has(order.json.status) || Date.now() - started > 10_000) return order.json;
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

/** The order's payment, read from the payments service as another service would. */
async function paymentOf(orderId: string) {
  const { mintCredential } = await import("../../functions/platform/auth/internal-credential.js");
  const secret = (await readFile(join(dataDir, "internal-token-secret"), "utf8")).trim();
  const credential = await mintCredential({
    secret,
    from: "e2e",
    to: "payments",
    caller: { subject: "service:e2e", scopes: new Set(["orders:read"]) },
  });
  const response = await fetch(`${paymentsUrl}/slipway.payments.v1.PaymentsService/GetPayment`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-slipway-credential": credential },
    body: JSON.stringify({ orderId }),
  });
  return { status: response.status, json: await response.json() };
}

describe("orders through the gateway of npm start", () => {
  it("confirms a paid order and takes its stock", { timeout: 30_000 }, async () => {
    const productId = await newProduct(5);
    const placed = await place(productId, 2, "tok_success");
    expect(placed.status).toBe(201);
    expect(placed.headers.get("location")).toBe(`/v1/orders/${placed.json.id}`);
    expect(placed.json).toMatchObject({ status: "pending", total: { amountMinor: 5000 } });

    const order = await settled(placed.json.id);
    expect(order.status).toBe("confirmed");
    expect(order.history.map((change: { status: string }) => change.status)).toEqual([
      "pending",
      "stock_reserved",
      "confirmed",
    ]);
    expect(await stockOf(productId)).toBe(3);
    const payment = await paymentOf(placed.json.id);
    expect(payment.json.payment).toMatchObject({ status: "PAYMENT_STATUS_CAPTURED" });
  });

  it("rejects a declined payment and puts the stock back", { timeout: 30_000 }, async () => {
    const productId = await newProduct(5);
    const placed = await place(productId, 2, "tok_declined");
    const order = await settled(placed.json.id);
    expect(order).toMatchObject({ status: "rejected", rejectionReason: "payment_declined" });
    expect(await stockOf(productId)).toBe(5);
  });

  it("rejects more than is in stock, naming the short line", { timeout: 30_000 }, async () => {
    const productId = await newProduct(3);
    const placed = await place(productId, 4, "tok_success");
    const order = await settled(placed.json.id);
    expect(order).toMatchObject({
      status: "rejected",
      rejectionReason: "out_of_stock",
      shortLines: [{ productId, requested: 4, available: 3 }],
    });
    expect(await stockOf(productId)).toBe(3);
  });

  it("makes one order and one payment for one Idempotency-Key", { timeout: 30_000 }, async () => {
    const productId = await newProduct(5);
    const key = `e2e-${process.pid}-${Date.now()}`;
    const [first, second] = await Promise.all([
      place(productId, 1, "tok_success", key),
      place(productId, 1, "tok_success", key),
    ]);
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(second.json.id).toBe(first.json.id);
    const third = await place(productId, 1, "tok_success", key);
    expect(third.json.id).toBe(first.json.id);
    expect((await settled(first.json.id)).status).toBe("confirmed");
    expect(await stockOf(productId)).toBe(4);
    const payment = await paymentOf(first.json.id);
    expect(payment.json.payment.movements).toHaveLength(1);

    const reused = await place(productId, 2, "tok_success", key);
    expect(reused.status).toBe(422);
  });

  it("refunds and restocks a confirmed order that is cancelled", { timeout: 30_000 }, async () => {
    const productId = await newProduct(5);
    const placed = await place(productId, 2, "tok_success");
    expect((await settled(placed.json.id)).status).toBe("confirmed");
    const cancelled = await api("POST", `/v1/orders/${placed.json.id}/cancel`, customer);
    expect(cancelled.status).toBe(200);
    expect(cancelled.json.status).toBe("refund_pending");

    const order = await settled(placed.json.id);
    expect(order.status).toBe("refunded");
    expect(await stockOf(productId)).toBe(5);
    const movements = (await paymentOf(placed.json.id)).json.payment.movements;
    expect(movements.map((movement: { kind: string }) => movement.kind)).toEqual([
      "MOVEMENT_KIND_CAPTURE",
      "MOVEMENT_KIND_REFUND",
    ]);
    // Cancelling again changes nothing.
    expect((await api("POST", `/v1/orders/${placed.json.id}/cancel`, customer)).status).toBe(409);
  });

  it("lists the customer's orders, newest first, and hides them from others", async () => {
    const list = await api("GET", "/v1/orders?limit=2", customer);
    expect(list.status).toBe(200);
    expect(list.json.items).toHaveLength(2);
    expect(list.json.nextCursor).toEqual(expect.any(String));
    const [newer, older] = list.json.items;
    expect(newer.createdAt >= older.createdAt).toBe(true);
    expect((await api("GET", "/v1/orders", admin)).status).toBe(403);

    // Another customer sees none of them: their id answers 404, their list is empty.
    const email = `other.${process.pid}@example.com`;
    const password = "another long passphrase";
    const registered = await api("POST", "/v1/users", undefined, {
      email,
      password,
      displayName: "Other",
    });
    expect(registered.status).toBe(201);
    const other = (await logIn(gateway, { email, password })).access_token;
    expect((await api("GET", `/v1/orders/${newer.id}`, other)).status).toBe(404);
    expect((await api("POST", `/v1/orders/${newer.id}/cancel`, other)).status).toBe(404);
    expect((await api("GET", "/v1/orders", other)).json.items).toEqual([]);
  });
});
