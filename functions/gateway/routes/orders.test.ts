import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { beforeEach, describe, expect, it } from "vitest";
import {
  OrderStatus,
  type PlaceOrderRequest,
  RejectionReason,
} from "../../gen/orders/v1/orders_pb.js";
import { CANNED_CREATED, CANNED_UPDATED, cannedOrder, fakeOrders } from "../fake-orders.js";
import { authorized, CUSTOMER_SCOPE, json, testToken, useGateway } from "../testing.js";

const PRODUCT_A = "0190b6a0-0000-7000-8000-00000000000a";
const PRODUCT_B = "0190b6a0-0000-7000-8000-00000000000b";
const ORDER_ID = "0190b6a0-0000-7000-8000-0000000000f1";

const placeBody = {
  lines: [
    { productId: PRODUCT_A, quantity: 2 },
    { productId: PRODUCT_B, quantity: 1 },
  ],
  paymentToken: "tok_success",
};

/** A request of `method`: with the place-order body when it can have one. */
const requestOf = (method: string): RequestInit =>
  method === "GET" ? { method } : json(method, placeBody);

describe("REST /v1/orders", () => {
  const orders = fakeOrders();
  const gateway = useGateway("pglite", { catalog: false, orders });
  beforeEach(() => orders.reset());

  const customerToken = (scope = CUSTOMER_SCOPE) =>
    testToken(scope, { claims: { sub: "customer-7" } });
  const asCustomer = async (path: string, init: RequestInit = {}) =>
    gateway.request(path, authorized(init, await customerToken()));
  const place = (body: unknown = placeBody, headers: Record<string, string> = {}) => {
    const init = json("POST", body);
    return asCustomer("/v1/orders", { ...init, headers: { ...init.headers, ...headers } });
  };

  describe("who may call", () => {
    const routes = [
      ["POST", "/v1/orders"],
      ["GET", "/v1/orders"],
      ["GET", `/v1/orders/${ORDER_ID}`],
      ["POST", `/v1/orders/${ORDER_ID}/cancel`],
    ] as const;

    it.each(routes)("%s %s without a token → 401 with a Bearer challenge", async (method, path) => {
      const response = await gateway.request(path, requestOf(method));
      expect(response.status).toBe(401);
      expect(response.headers.get("www-authenticate")).toMatch(/^Bearer/);
      expect(orders.calls).toEqual([]);
    });

    it.each([
      ["POST", "/v1/orders", "orders:read", "orders:write"],
      ["POST", `/v1/orders/${ORDER_ID}/cancel`, "orders:read", "orders:write"],
      ["GET", "/v1/orders", "orders:write", "orders:read"],
      ["GET", `/v1/orders/${ORDER_ID}`, "profile orders:write", "orders:read"],
    ])("%s %s with only %s → 403 naming %s", async (method, path, scope, missing) => {
      const init = method === "POST" ? json(method, { not: "looked at" }) : { method };
      const response = await gateway.request(path, authorized(init, await customerToken(scope)));
      expect(response.status).toBe(403);
      expect(response.headers.get("www-authenticate")).toContain(`scope="${missing}"`);
      expect(orders.calls).toEqual([]);
    });

    it.each(routes)("%s %s works with a customer's token", async (method, path) => {
      const response = await asCustomer(path, requestOf(method));
      expect(response.status).toBe(method === "POST" && path === "/v1/orders" ? 201 : 200);
      expect(orders.calls).toHaveLength(1);
    });

    it("makes every call for the caller: the token's subject and scopes", async () => {
      await place();
      await asCustomer("/v1/orders");
      await asCustomer(`/v1/orders/${ORDER_ID}`);
      await asCustomer(`/v1/orders/${ORDER_ID}/cancel`, { method: "POST" });
      expect(orders.calls.map((call) => call.method)).toEqual([
        "placeOrder",
        "listOrders",
        "getOrder",
        "cancelOrder",
      ]);
      for (const { caller } of orders.calls) {
        expect(caller.subject).toBe("customer-7");
        expect([...caller.scopes].sort()).toEqual(["orders:read", "orders:write", "profile"]);
      }
    });

    it("passes a narrower token's scopes on as they are", async () => {
      const token = await customerToken("orders:read");
      await gateway.request(`/v1/orders/${ORDER_ID}`, authorized({}, token));
      expect([...(orders.calls[0]?.caller.scopes ?? [])]).toEqual(["orders:read"]);
    });
  });

  describe("POST /v1/orders", () => {
    it("places the order: 201, Location, the order as JSON", async () => {
      const response = await place();
      expect(response.status).toBe(201);
      expect(response.headers.get("content-type")).toMatch(/^application\/json/);
      const body = (await response.json()) as { id: string };
      expect(response.headers.get("location")).toBe(`/v1/orders/${body.id}`);
      expect(body).toEqual({
        id: expect.any(String),
        status: "pending",
        lines: [
          {
            productId: PRODUCT_A,
            name: "Product 1",
            quantity: 2,
            unitPrice: { amountMinor: 1000, currency: "EUR" },
          },
          {
            productId: PRODUCT_B,
            name: "Product 2",
            quantity: 1,
            unitPrice: { amountMinor: 1000, currency: "EUR" },
          },
        ],
        total: { amountMinor: 3000, currency: "EUR" },
        rejectionReason: null,
        shortLines: [],
        history: [{ status: "pending", at: CANNED_CREATED.toISOString() }],
        createdAt: CANNED_CREATED.toISOString(),
        updatedAt: CANNED_UPDATED.toISOString(),
      });
    });

    it("sends the lines and payment token, and no idempotency key when none is given", async () => {
      await place();
      const [call] = orders.callsOf("placeOrder");
      expect(call?.request).toMatchObject({
        lines: [
          { productId: PRODUCT_A, quantity: 2 },
          { productId: PRODUCT_B, quantity: 1 },
        ],
        paymentToken: "tok_success",
        idempotencyKey: "",
      });
    });

    it.each([
      ["a UUID", "8e03978e-40d5-43e8-bc93-6894a57f9324"],
      ["a structured-field string, quotes and all", '"8e03978e-40d5"'],
      ["one character", "k"],
      ["255 characters", "k".repeat(255)],
      ["every visible ASCII character", "!~azAZ09#$%&'()*+,-./:;<=>?@[\\]^_`{|}"],
    ])("passes an Idempotency-Key of %s on as sent", async (_name, key) => {
      const response = await place(placeBody, { "Idempotency-Key": key });
      expect(response.status).toBe(201);
      expect(orders.callsOf("placeOrder")[0]?.request.idempotencyKey).toBe(key);
    });

    it("answers a replay with the first order, and 422 for the key with another body", async () => {
      // The service's contract: a repeated key answers the first order; another body, already_exists.
      const byKey = new Map<string, { body: string; order: ReturnType<typeof cannedOrder> }>();
      orders.answer("placeOrder", (request: PlaceOrderRequest) => {
        const body = JSON.stringify([
          request.lines.map((l) => [l.productId, l.quantity]),
          request.paymentToken,
        ]);
        const seen = byKey.get(request.idempotencyKey);
        if (seen && seen.body !== body) {
          throw new ConnectError("idempotency key reused", Code.AlreadyExists);
        }
        const order = seen?.order ?? cannedOrder();
        byKey.set(request.idempotencyKey, { body, order });
        return { order };
      });
      const key = { "idempotency-key": "retry-1" };
      const first = await place(placeBody, key);
      const again = await place(placeBody, key);
      expect(first.status).toBe(201);
      expect(again.status).toBe(201);
      expect(again.headers.get("location")).toBe(first.headers.get("location"));
      expect(await again.json()).toEqual(await first.json());

      const other = await place({ ...placeBody, paymentToken: "tok_flaky" }, key);
      expect(other.status).toBe(422);
      expect(other.headers.get("content-type")).toBe("application/problem+json");
      expect(await other.json()).toMatchObject({
        type: "urn:slipway:problem:idempotency-key-reused",
        status: 422,
        instance: "/v1/orders",
      });
    });
  });

  describe("GET /v1/orders/{id}", () => {
    it("answers the order: every field, times as ISO 8601, and no-store", async () => {
      const rejectedAt = new Date("2026-03-01T10:00:01.250Z");
      orders.answer("getOrder", (request) => ({
        order: cannedOrder({
          id: request.id,
          status: OrderStatus.REJECTED,
          rejectionReason: RejectionReason.OUT_OF_STOCK,
          shortLines: [{ productId: PRODUCT_A, requested: 2, available: 1 }],
          history: [
            { status: OrderStatus.PENDING, changeTime: timestampFromDate(CANNED_CREATED) },
            { status: OrderStatus.REJECTED, changeTime: timestampFromDate(rejectedAt) },
          ],
        }),
      }));
      const response = await asCustomer(`/v1/orders/${ORDER_ID}`);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(await response.json()).toEqual({
        id: ORDER_ID,
        status: "rejected",
        lines: [
          {
            productId: "0190b6a0-0000-7000-8000-000000000001",
            name: "Teapot",
            quantity: 2,
            unitPrice: { amountMinor: 1250, currency: "EUR" },
          },
        ],
        total: { amountMinor: 2500, currency: "EUR" },
        rejectionReason: "out_of_stock",
        shortLines: [{ productId: PRODUCT_A, requested: 2, available: 1 }],
        history: [
          { status: "pending", at: "2026-03-01T10:00:00.000Z" },
          { status: "rejected", at: "2026-03-01T10:00:01.250Z" },
        ],
        createdAt: "2026-03-01T10:00:00.000Z",
        updatedAt: "2026-03-01T10:00:02.500Z",
      });
      expect(orders.callsOf("getOrder")[0]?.request.id).toBe(ORDER_ID);
    });

    it.each([
      [OrderStatus.PENDING, "pending"],
      [OrderStatus.STOCK_RESERVED, "stock_reserved"],
      [OrderStatus.CONFIRMED, "confirmed"],
      [OrderStatus.REJECTED, "rejected"],
      [OrderStatus.CANCELLED, "cancelled"],
      [OrderStatus.REFUND_PENDING, "refund_pending"],
      [OrderStatus.REFUNDED, "refunded"],
    ])("names status %i %s", async (status, name) => {
      orders.answer("getOrder", () => ({ order: cannedOrder({ status }) }));
      const body = (await (await asCustomer(`/v1/orders/${ORDER_ID}`)).json()) as object;
      expect(body).toMatchObject({ status: name });
    });

    it.each([
      [RejectionReason.UNSPECIFIED, null],
      [RejectionReason.OUT_OF_STOCK, "out_of_stock"],
      [RejectionReason.PAYMENT_DECLINED, "payment_declined"],
      [RejectionReason.INSUFFICIENT_FUNDS, "insufficient_funds"],
      [RejectionReason.RESERVATION_EXPIRED, "reservation_expired"],
    ])("names rejection reason %i %s", async (rejectionReason, name) => {
      orders.answer("getOrder", () => ({ order: cannedOrder({ rejectionReason }) }));
      const body = (await (await asCustomer(`/v1/orders/${ORDER_ID}`)).json()) as object;
      expect(body).toMatchObject({ rejectionReason: name });
    });

    it("answers 500, not a made-up word, for a status it does not know", async () => {
      orders.answer("getOrder", () => ({ order: cannedOrder({ status: 99 as OrderStatus }) }));
      const response = await asCustomer(`/v1/orders/${ORDER_ID}`);
      expect(response.status).toBe(500);
      expect(await response.text()).not.toContain("99");
    });
  });

  describe("GET /v1/orders", () => {
    it("asks for 20 from the start by default, and answers summaries", async () => {
      orders.answer("listOrders", () => ({
        orders: [
          {
            id: ORDER_ID,
            status: OrderStatus.CONFIRMED,
            total: { amountMinor: 4500n, currency: "EUR" },
            lineCount: 3,
            createTime: timestampFromDate(CANNED_CREATED),
            updateTime: timestampFromDate(CANNED_UPDATED),
          },
        ],
        nextPageToken: "",
      }));
      const response = await asCustomer("/v1/orders");
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(await response.json()).toEqual({
        items: [
          {
            id: ORDER_ID,
            status: "confirmed",
            total: { amountMinor: 4500, currency: "EUR" },
            lineCount: 3,
            createdAt: CANNED_CREATED.toISOString(),
            updatedAt: CANNED_UPDATED.toISOString(),
          },
        ],
        nextCursor: null,
      });
      expect(orders.callsOf("listOrders")[0]?.request).toMatchObject({
        pageSize: 20,
        pageToken: "",
      });
    });

    it("passes limit and cursor on, and answers the next page's cursor", async () => {
      orders.answer("listOrders", () => ({ orders: [], nextPageToken: "page-3" }));
      const response = await asCustomer("/v1/orders?limit=100&cursor=page-2");
      expect(await response.json()).toEqual({ items: [], nextCursor: "page-3" });
      expect(orders.callsOf("listOrders")[0]?.request).toMatchObject({
        pageSize: 100,
        pageToken: "page-2",
      });
    });
  });

  describe("POST /v1/orders/{id}/cancel", () => {
    it("cancels: 200 with the order after it", async () => {
      const response = await asCustomer(`/v1/orders/${ORDER_ID}/cancel`, { method: "POST" });
      expect(response.status).toBe(200);
      expect(response.headers.get("location")).toBeNull();
      expect(await response.json()).toMatchObject({ id: ORDER_ID, status: "cancelled" });
      expect(orders.callsOf("cancelOrder")[0]?.request.id).toBe(ORDER_ID);
    });

    it("ignores a body, whatever it is", async () => {
      const response = await asCustomer(`/v1/orders/${ORDER_ID}/cancel`, {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: "please",
      });
      expect(response.status).toBe(200);
    });
  });
});
