import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { uniqueSku } from "../catalog/testing.js";
import type { Problem } from "./problem.js";
import { adminToken, authorized, gatewayWith, json, productBody, useGateway } from "./testing.js";

// HTTP edges beyond field validation: methods, media types, odd JSON, misbehaving services.
describe("gateway HTTP edges", () => {
  const gateway = useGateway("pglite");

  async function problemOf(response: Response): Promise<Problem> {
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    return (await response.json()) as Problem;
  }

  it.each([
    ["DELETE", "/v1/products/0190b6a0-0000-7000-8000-000000000000", "GET, PATCH"],
    ["PUT", "/v1/products/0190b6a0-0000-7000-8000-000000000000", "GET, PATCH"],
    ["DELETE", "/v1/products", "GET, POST"],
    ["GET", "/v1/products/0190b6a0-0000-7000-8000-000000000000/stock", "POST"],
  ])("answers %s %s with 405 and Allow: %s", async (method, path, allow) => {
    const response = await gateway.request(path, { method });
    expect(response.status).toBe(405);
    expect(response.headers.get("allow")).toBe(allow);
    expect(await problemOf(response)).toMatchObject({
      type: "urn:slipway:problem:method-not-allowed",
      status: 405,
    });
  });

  it("answers 404 for an unknown route whatever its body", async () => {
    const response = await gateway.request("/v1/unknown", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "x".repeat(100_000),
    });
    expect(response.status).toBe(404);
    await problemOf(response);
  });

  it.each([
    ["a charset other than UTF-8", { "content-type": "application/json; charset=iso-8859-1" }],
    ["a quoted charset other than UTF-8", { "content-type": 'application/json; charset="utf-16"' }],
    ["a compressed body", { "content-type": "application/json", "content-encoding": "gzip" }],
  ])("refuses %s with 415", async (_name, headers) => {
    const response = await gateway.asAdmin("/v1/products", {
      method: "POST",
      headers,
      body: JSON.stringify(productBody(uniqueSku("CHARSET"))),
    });
    expect(response.status).toBe(415);
    await problemOf(response);
  });

  it("accepts an explicit UTF-8 charset", async () => {
    const response = await gateway.asAdmin("/v1/products", {
      method: "POST",
      headers: { "content-type": "application/json; charset=UTF-8" },
      body: JSON.stringify(productBody(uniqueSku("UTF8"))),
    });
    expect(response.status).toBe(201);
  });

  it("points at a member whose name is a lone surrogate without failing", async () => {
    const response = await gateway.asAdmin("/v1/products", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: '{"\\ud800":1}',
    });
    expect(response.status).toBe(400);
    const problem = await problemOf(response);
    expect(problem.errors?.map((error) => error.pointer)).toContain("#/%EF%BF%BD");
  });

  it("treats a service refusing an argument without naming a field as its own failure", async () => {
    const refusing = gatewayWith(async () => {
      const error = new ConnectError("timeout 61000ms must be <= 60000", Code.InvalidArgument);
      return new Response(JSON.stringify({ code: "invalid_argument", message: error.rawMessage }), {
        status: 400,
        headers: { "content-type": "application/json" },
      });
    });
    const response = await refusing.request(
      "/v1/products",
      authorized(json("POST", productBody(uniqueSku("X"))), await adminToken()),
    );
    expect(response.status).toBe(500);
    const problem = await problemOf(response);
    expect(problem.detail).not.toContain("60000");
  });

  it("treats a service refusing its internal credential as its own failure, not a 401", async () => {
    const refusing = gatewayWith(
      async () =>
        new Response(
          JSON.stringify({
            code: "unauthenticated",
            message: "missing or invalid internal credential",
          }),
          { status: 401, headers: { "content-type": "application/json" } },
        ),
    );
    const response = await refusing.request(
      "/v1/products",
      authorized(json("POST", productBody(uniqueSku("X"))), await adminToken()),
    );
    expect(response.status).toBe(500);
    expect(response.headers.get("www-authenticate")).toBeNull();
    expect((await problemOf(response)).detail).not.toContain("credential");
  });
});
