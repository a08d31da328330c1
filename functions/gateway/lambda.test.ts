// The gateway's Lambda entry, driven with API Gateway v2 events against a real catalog
// listening on a local port (the default Node transport, as in the cloud), and a stand-in for
// identity's key set on another, fetched over HTTP as in the cloud.
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCatalog, uniqueSku } from "../catalog/testing.js";
import { keySetOf, TEST_INTERNAL_SECRET, TEST_TOKEN_CONTEXT } from "../platform/auth/testing.js";
import { listen, type RunningServer } from "../platform/node-server.js";
import {
  apiGatewayEvent,
  type EventInput,
  lambdaContext,
} from "../platform/testing/api-gateway-event.js";
import { adminToken, productBody, testSigningKey } from "./testing.js";

type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyResult>;

describe("gateway Lambda handler", () => {
  let server: RunningServer | undefined;
  let keyServer: RunningServer | undefined;
  let closeCatalog: (() => Promise<void>) | undefined;
  let drainEvents: () => Promise<void>;
  let handler: Handler;
  let keyFetches = 0;
  const ENV = [
    "CATALOG_URL",
    "IDENTITY_URL",
    "TOKEN_ISSUER",
    "INTERNAL_TOKEN_SECRET",
    "LOG_LEVEL",
  ] as const;
  const savedEnv = Object.fromEntries(ENV.map((name) => [name, process.env[name]]));

  beforeAll(async () => {
    const catalog = await startTestCatalog({
      DATABASE_URL: undefined,
      DATA_DIR: "memory://",
    });
    closeCatalog = catalog.stop;
    drainEvents = catalog.drain;
    server = await listen(catalog.app.fetch, { port: 0 });
    const keys = keySetOf(await testSigningKey());
    keyServer = await listen(
      (request) => {
        if (new URL(request.url).pathname !== "/.well-known/jwks.json") {
          return new Response(null, { status: 404 });
        }
        keyFetches += 1;
        return Response.json(keys, { headers: { "cache-control": "public, max-age=300" } });
      },
      { port: 0 },
    );
    // lambda.ts reads its configuration when it is first imported, as on a cold start.
    process.env.CATALOG_URL = server.url;
    process.env.IDENTITY_URL = keyServer.url;
    process.env.TOKEN_ISSUER = TEST_TOKEN_CONTEXT.issuer;
    process.env.INTERNAL_TOKEN_SECRET = TEST_INTERNAL_SECRET;
    process.env.LOG_LEVEL = "SILENT";
    handler = (await import("./lambda.js")).handler as unknown as Handler;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server?.close();
    await keyServer?.close();
    await closeCatalog?.();
  });

  async function invoke(input: EventInput) {
    const result = await handler(apiGatewayEvent(input), lambdaContext("slipway-gateway"));
    return answerOf(result);
  }

  /** `input` sent with a catalog admin's token. */
  async function invokeAsAdmin(input: EventInput) {
    const headers = { ...input.headers, authorization: `Bearer ${await adminToken()}` };
    return invoke({ ...input, headers });
  }

  function answerOf(result: APIGatewayProxyResult) {
    const header = (name: string) => result.headers?.[name] as string | undefined;
    return { result, header, body: () => JSON.parse(result.body) as Record<string, unknown> };
  }

  async function create(sku = uniqueSku("LAMBDA")) {
    const { result, header, body } = await invokeAsAdmin({
      method: "POST",
      path: "/v1/products",
      json: productBody(sku),
    });
    expect(result.statusCode).toBe(201);
    return { result, header, product: body() };
  }

  it("creates a product: 201 with a JSON body and its Location", async () => {
    const sku = uniqueSku("LAMBDA");
    const { result, header, product } = await create(sku);
    expect(result.isBase64Encoded).toBe(false);
    expect(header("content-type")).toMatch(/^application\/json/);
    expect(product).toMatchObject({
      sku,
      name: "Teapot",
      price: { amountMinor: 4500, currency: "EUR" },
      stock: 3,
    });
    expect(header("location")).toBe(`/v1/products/${product.id}`);
  });

  it("gets a product by id", async () => {
    const { product } = await create();
    const { result, body } = await invoke({ method: "GET", path: `/v1/products/${product.id}` });
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    expect(body()).toEqual(product);
  });

  it("lists a page at a time from rawQueryString", async () => {
    await create();
    await create();
    await drainEvents();
    const first = await invoke({ method: "GET", path: "/v1/products?limit=1" });
    expect(first.result.statusCode).toBe(200);
    const page = first.body() as { items: unknown[]; nextCursor: string | null };
    expect(page.items).toHaveLength(1);
    expect(page.nextCursor).toEqual(expect.any(String));

    const cursor = encodeURIComponent(page.nextCursor ?? "");
    const second = await invoke({ method: "GET", path: `/v1/products?limit=1&cursor=${cursor}` });
    const next = second.body() as { items: { id: string }[] };
    expect(next.items).toHaveLength(1);
    expect(next.items[0]?.id).not.toBe((page.items[0] as { id: string }).id);
  });

  it("answers a validation failure as a 400 problem", async () => {
    const { result, header, body } = await invokeAsAdmin({
      method: "POST",
      path: "/v1/products",
      json: productBody(uniqueSku("LAMBDA"), { price: { amountMinor: 1, currency: "euro" } }),
    });
    expect(result.statusCode).toBe(400);
    expect(result.isBase64Encoded).toBe(false);
    expect(header("content-type")).toBe("application/problem+json");
    expect(body()).toMatchObject({
      type: "urn:slipway:problem:validation-failed",
      status: 400,
      instance: "/v1/products",
      errors: [{ pointer: "#/price/currency", detail: expect.any(String) }],
    });
  });

  it("answers a rule the catalog enforces, over the network, as a 409 problem", async () => {
    const sku = uniqueSku("LAMBDA");
    await create(sku);
    const { result, header, body } = await invokeAsAdmin({
      method: "POST",
      path: "/v1/products",
      json: productBody(sku),
    });
    expect(result.statusCode).toBe(409);
    expect(header("content-type")).toBe("application/problem+json");
    expect(body()).toMatchObject({ type: "urn:slipway:problem:conflict", status: 409 });
  });

  it("reads a base64-encoded JSON body", async () => {
    const sku = uniqueSku("LAMBDA");
    const { result, body } = await invokeAsAdmin({
      method: "POST",
      path: "/v1/products",
      headers: { "content-type": "application/json" },
      binary: new TextEncoder().encode(JSON.stringify(productBody(sku))),
    });
    expect(result.statusCode).toBe(201);
    expect(result.isBase64Encoded).toBe(false);
    expect(body()).toMatchObject({ sku });
  });

  it("refuses a write without a token: 401 with the Bearer challenge", async () => {
    const { result, header, body } = await invoke({
      method: "POST",
      path: "/v1/products",
      json: productBody(uniqueSku("LAMBDA")),
    });
    expect(result.statusCode).toBe(401);
    expect(header("www-authenticate")).toBe('Bearer realm="slipway"');
    expect(body()).toMatchObject({ type: "urn:slipway:problem:unauthenticated", status: 401 });
  });

  it("fetches identity's keys once per cold start, not per request", async () => {
    await create();
    const fetched = keyFetches;
    await create();
    await create();
    expect(fetched).toBeGreaterThan(0);
    expect(keyFetches).toBe(fetched);
  });

  it("relays identity's key set over HTTP", async () => {
    const { result, header, body } = await invoke({
      method: "GET",
      path: "/.well-known/jwks.json",
    });
    expect(result.statusCode).toBe(200);
    expect(header("cache-control")).toBe("public, max-age=300");
    expect(body()).toEqual(keySetOf(await testSigningKey()));
  });

  it("answers a text/plain body with 415", async () => {
    const { result, header } = await invokeAsAdmin({
      method: "POST",
      path: "/v1/products",
      headers: { "content-type": "text/plain" },
      text: JSON.stringify(productBody(uniqueSku("LAMBDA"))),
    });
    expect(result.statusCode).toBe(415);
    expect(header("content-type")).toBe("application/problem+json");
  });
});
