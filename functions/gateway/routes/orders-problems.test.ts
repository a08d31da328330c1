import { Code, ConnectError } from "@connectrpc/connect";
import { beforeEach, describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../gen/rpc/v1/errors_pb.js";
import { fakeOrders } from "../fake-orders.js";
import type { Problem, ProblemKind } from "../problem.js";
import {
  authorized,
  CUSTOMER_SCOPE,
  gatewayWith,
  json,
  problemDefect,
  TEST_BODY_LIMIT_BYTES,
  testToken,
  useGateway,
} from "../testing.js";

const PRODUCT = "0190b6a0-0000-7000-8000-00000000000a";
const ORDER = "/v1/orders/0190b6a0-0000-7000-8000-0000000000f1";
const line = (overrides: Record<string, unknown> = {}) => ({
  productId: PRODUCT,
  quantity: 1,
  ...overrides,
});
const body = (overrides: Record<string, unknown> = {}) => ({
  lines: [line()],
  paymentToken: "tok_success",
  ...overrides,
});

/** A ConnectError as a service sends it, with a field violation per `field: description`. */
function rpcError(code: Code, message: string, violations: Record<string, string> = {}) {
  const fieldViolations = Object.entries(violations).map(([field, description]) => ({
    field,
    description,
  }));
  return new ConnectError(message, code, undefined, [
    { desc: BadRequestSchema, value: { fieldViolations } },
  ]);
}

/** Every field at fault: `#/pointer` or `?parameter`. */
const fieldsOf = (problem: Problem) =>
  (problem.errors ?? []).map((error) => error.pointer ?? `?${error.parameter}`).sort();

describe("problems of /v1/orders", () => {
  const orders = fakeOrders();
  const gateway = useGateway("pglite", { catalog: false, orders });
  beforeEach(() => orders.reset());

  async function send(path: string, init: RequestInit = {}) {
    const token = await testToken(CUSTOMER_SCOPE);
    return gateway.request(path, authorized(init, token));
  }

  /** Checks the answer is a well-formed `kind` problem about `path`, and returns it. */
  async function problemOf(response: Response, kind: ProblemKind, path: string) {
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    const problem = (await response.json()) as Problem;
    expect(problem.type).toBe(`urn:slipway:problem:${kind}`);
    expect(problemDefect(problem, response.status, path)).toBeUndefined();
    return problem;
  }

  const place = (payload: unknown, headers: Record<string, string> = {}) => {
    const init = json("POST", payload);
    return send("/v1/orders", { ...init, headers: { ...init.headers, ...headers } });
  };

  describe("bodies the gateway refuses itself, before any call", () => {
    it.each([
      ["an empty object", {}, ["#/lines", "#/paymentToken"]],
      ["an unknown field", body({ coupon: "X" }), ["#/coupon"]],
      ["lines not an array", body({ lines: { 0: line() } }), ["#/lines"]],
      ["no lines", body({ lines: [] }), ["#/lines"]],
      ["51 lines", body({ lines: Array.from({ length: 51 }, () => line()) }), ["#/lines"]],
      ["a line not an object", body({ lines: [line(), 7] }), ["#/lines/1"]],
      [
        "a line without quantity",
        body({ lines: [{ productId: PRODUCT }] }),
        ["#/lines/0/quantity"],
      ],
      ["a line with an unknown field", body({ lines: [line({ sku: "A" })] }), ["#/lines/0/sku"]],
      [
        "a productId not a UUID",
        body({ lines: [line({ productId: "p-1" })] }),
        ["#/lines/0/productId"],
      ],
      ["quantity 0", body({ lines: [line(), line({ quantity: 0 })] }), ["#/lines/1/quantity"]],
      ["quantity 1001", body({ lines: [line({ quantity: 1001 })] }), ["#/lines/0/quantity"]],
      ["quantity 1.5", body({ lines: [line({ quantity: 1.5 })] }), ["#/lines/0/quantity"]],
      ["quantity as text", body({ lines: [line({ quantity: "2" })] }), ["#/lines/0/quantity"]],
      ["quantity 2^31", body({ lines: [line({ quantity: 2 ** 31 })] }), ["#/lines/0/quantity"]],
      ["paymentToken a number", body({ paymentToken: 42 }), ["#/paymentToken"]],
      ["an array", [body()], ["#"]],
      ["null", null, ["#"]],
    ])("%s → 400 pointing at %j", async (_name, payload, fields) => {
      const response = await place(payload);
      expect(response.status).toBe(400);
      expect(fieldsOf(await problemOf(response, "validation-failed", "/v1/orders"))).toEqual(
        [...fields].sort(),
      );
      expect(orders.calls).toEqual([]);
    });

    it("takes 50 lines of 1000", async () => {
      const lines = Array.from({ length: 50 }, () => line({ quantity: 1000 }));
      expect((await place(body({ lines }))).status).toBe(201);
    });

    it("answers 415 for a body that is not JSON, and 413 for one too large", async () => {
      const text = await send("/v1/orders", {
        method: "POST",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify(body()),
      });
      expect(text.status).toBe(415);
      await problemOf(text, "unsupported-media-type", "/v1/orders");
      const large = await place(body({ paymentToken: "x".repeat(TEST_BODY_LIMIT_BYTES) }));
      expect(large.status).toBe(413);
      expect(orders.calls).toEqual([]);
    });
  });

  describe("Idempotency-Key", () => {
    it.each([
      ["empty", ""],
      ["with a space", "key 1"],
      ["256 characters", "k".repeat(256)],
      ["not ASCII", "clé"],
      ["with a control character", "key\u0001"],
      ["sent twice", ["a", "b"]],
    ])("%s → 400 naming the header, before any call", async (_name, value) => {
      const headers = new Headers(json("POST", body()).headers);
      for (const each of [value].flat()) headers.append("idempotency-key", each);
      const response = await send("/v1/orders", { ...json("POST", body()), headers });
      expect(response.status).toBe(400);
      const problem = await problemOf(response, "validation-failed", "/v1/orders");
      expect(fieldsOf(problem)).toEqual(["?idempotency-key"]);
      expect(orders.calls).toEqual([]);
    });

    it("is checked before the body", async () => {
      const response = await place({ lines: "x" }, { "idempotency-key": "" });
      expect(fieldsOf(await problemOf(response, "validation-failed", "/v1/orders"))).toEqual([
        "?idempotency-key",
      ]);
    });
  });

  describe("what the orders service refuses, in this API's terms", () => {
    it("maps field violations to pointers into the body, and the key to its header", async () => {
      orders.answer("placeOrder", () => {
        throw rpcError(Code.InvalidArgument, "lines[1].product_id: appears twice; …", {
          "lines[1].product_id": "appears in another line",
          payment_token: "is required",
          idempotency_key: "is too long",
        });
      });
      const response = await place(body({ lines: [line(), line()] }));
      expect(response.status).toBe(400);
      const problem = await problemOf(response, "validation-failed", "/v1/orders");
      expect(problem.detail).toBe("the request is not valid");
      expect(problem.errors).toEqual(
        expect.arrayContaining([
          { pointer: "#/lines/1/productId", detail: "appears in another line" },
          { pointer: "#/paymentToken", detail: "is required" },
          { parameter: "idempotency-key", detail: "is too long" },
        ]),
      );
    });

    it("an unknown product → 400 at the lines, not a 404 of the collection", async () => {
      orders.answer("placeOrder", () => {
        throw new ConnectError(`product ${PRODUCT} not found`, Code.NotFound);
      });
      const response = await place(body());
      expect(response.status).toBe(400);
      const problem = await problemOf(response, "validation-failed", "/v1/orders");
      expect(problem.errors).toEqual([
        { pointer: "#/lines", detail: `product ${PRODUCT} not found` },
      ]);
    });

    it("an unknown product the service pins to a line → 400 at that line", async () => {
      orders.answer("placeOrder", () => {
        throw rpcError(Code.NotFound, "product not found", {
          "lines[0].product_id": "no such product",
        });
      });
      const problem = await problemOf(await place(body()), "validation-failed", "/v1/orders");
      expect(fieldsOf(problem)).toEqual(["#/lines/0/productId"]);
    });

    it("products in different currencies → 409 with the service's reason", async () => {
      orders.answer("placeOrder", () => {
        throw new ConnectError("all products must be priced in EUR", Code.FailedPrecondition);
      });
      const response = await place(body());
      expect(response.status).toBe(409);
      const problem = await problemOf(response, "conflict", "/v1/orders");
      expect(problem.detail).toBe("all products must be priced in EUR");
    });

    it("the key reused with another body → 422", async () => {
      orders.answer("placeOrder", () => {
        throw new ConnectError("idempotency key reused", Code.AlreadyExists);
      });
      const response = await place(body(), { "idempotency-key": "k-1" });
      expect(response.status).toBe(422);
      await problemOf(response, "idempotency-key-reused", "/v1/orders");
    });

    it("another customer's order, or none → 404", async () => {
      const notFound = (request: { id: string }) => {
        throw new ConnectError(`order ${request.id} not found`, Code.NotFound);
      };
      orders.answer("getOrder", notFound);
      orders.answer("cancelOrder", notFound);
      const get = await send(ORDER);
      expect(get.status).toBe(404);
      await problemOf(get, "not-found", ORDER);
      const cancel = await send(`${ORDER}/cancel`, { method: "POST" });
      expect(cancel.status).toBe(404);
      await problemOf(cancel, "not-found", `${ORDER}/cancel`);
    });

    it("an order that can no longer be cancelled → 409", async () => {
      orders.answer("cancelOrder", () => {
        throw new ConnectError(
          "the order is rejected: it cannot be cancelled",
          Code.FailedPrecondition,
        );
      });
      const response = await send(`${ORDER}/cancel`, { method: "POST" });
      expect(response.status).toBe(409);
      const problem = await problemOf(response, "conflict", `${ORDER}/cancel`);
      expect(problem.detail).toBe("the order is rejected: it cannot be cancelled");
    });

    it("a bad cursor → 400 naming cursor", async () => {
      orders.answer("listOrders", () => {
        throw rpcError(Code.InvalidArgument, "page_token: not a token", {
          page_token: "is not a token from a previous page",
        });
      });
      const response = await send("/v1/orders?cursor=nope");
      expect(response.status).toBe(400);
      const problem = await problemOf(response, "validation-failed", "/v1/orders");
      expect(problem.errors).toEqual([
        { parameter: "cursor", detail: "is not a token from a previous page" },
      ]);
    });

    it("catalog unreachable while pricing → 503 without the service's words", async () => {
      orders.answer("placeOrder", () => {
        throw new ConnectError("catalog at http://10.0.0.7:3002 refused", Code.Unavailable);
      });
      const response = await place(body());
      expect(response.status).toBe(503);
      const problem = await problemOf(response, "service-unavailable", "/v1/orders");
      expect(problem.detail).not.toMatch(/catalog|10\.0\.0\.7/);
    });
  });

  describe("parameters the gateway refuses", () => {
    it.each([
      ["GET", "/v1/orders/42", "?id"],
      ["POST", "/v1/orders/not-a-uuid/cancel", "?id"],
      ["GET", "/v1/orders?limit=0", "?limit"],
      ["GET", "/v1/orders?limit=101", "?limit"],
      ["GET", "/v1/orders?limit=ten", "?limit"],
      ["GET", "/v1/orders?limit=1&limit=2", "?limit"],
    ])("%s %s → 400 naming %s", async (method, path, field) => {
      const response = await send(path, { method });
      expect(response.status).toBe(400);
      const problem = await problemOf(
        response,
        "validation-failed",
        new URL(path, "http://x").pathname,
      );
      expect(fieldsOf(problem)).toEqual([field]);
      expect(orders.calls).toEqual([]);
    });
  });

  it.each([
    ["DELETE", "/v1/orders", "GET, POST"],
    ["PUT", ORDER, "GET"],
    ["DELETE", ORDER, "GET"],
    ["POST", ORDER, "GET"],
    ["GET", `${ORDER}/cancel`, "POST"],
  ])("%s %s → 405 with Allow: %s", async (method, path, allow) => {
    // No token: the method is wrong whoever asks.
    const response = await gateway.request(path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allow);
    await problemOf(response, "method-not-allowed", path);
  });
});

describe("problems of /v1/orders when the orders service is down", () => {
  it.each([
    ["POST", "/v1/orders"],
    ["GET", "/v1/orders"],
    ["GET", ORDER],
    ["POST", `${ORDER}/cancel`],
  ])("%s %s → 503", async (method, path) => {
    const down = gatewayWith(() => Promise.reject(new TypeError("fetch failed")));
    const init = method === "POST" && path === "/v1/orders" ? json(method, body()) : { method };
    const response = await down.request(path, authorized(init, await testToken(CUSTOMER_SCOPE)));
    expect(response.status).toBe(503);
    const problem = (await response.json()) as Problem;
    expect(problemDefect(problem, 503, path)).toBeUndefined();
  });
});
