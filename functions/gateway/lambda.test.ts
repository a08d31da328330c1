// The gateway's Lambda entry, driven with API Gateway v2 events against a real catalog
// listening on a local port (the default Node transport, as in the cloud).
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestCatalog, uniqueSku } from "../catalog/testing.js";
import { listen, type RunningServer } from "../platform/node-server.js";
import {
  apiGatewayEvent,
  type EventInput,
  lambdaContext,
} from "../platform/testing/api-gateway-event.js";
import { productBody } from "./testing.js";

type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyResult>;

describe("gateway Lambda handler", () => {
  let server: RunningServer | undefined;
  let closeCatalog: (() => Promise<void>) | undefined;
  let drainEvents: () => Promise<void>;
  let handler: Handler;
  const savedEnv = { CATALOG_URL: process.env.CATALOG_URL, LOG_LEVEL: process.env.LOG_LEVEL };

  beforeAll(async () => {
    const catalog = await startTestCatalog({
      DATABASE_URL: undefined,
      DATA_DIR: "memory://",
    });
    closeCatalog = catalog.stop;
    drainEvents = catalog.drain;
    server = await listen(catalog.app.fetch, { port: 0 });
    // lambda.ts reads its configuration when it is first imported, as on a cold start.
    process.env.CATALOG_URL = server.url;
    process.env.LOG_LEVEL = "SILENT";
    handler = (await import("./lambda.js")).handler as unknown as Handler;
  });

  afterAll(async () => {
    for (const [name, value] of Object.entries(savedEnv)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await server?.close();
    await closeCatalog?.();
  });

  async function invoke(input: EventInput) {
    const result = await handler(apiGatewayEvent(input), lambdaContext("slipway-gateway"));
    const header = (name: string) => result.headers?.[name] as string | undefined;
    return { result, header, body: () => JSON.parse(result.body) as Record<string, unknown> };
  }

  async function create(sku = uniqueSku("LAMBDA")) {
    const { result, header, body } = await invoke({
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
    const { result, header, body } = await invoke({
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
    const { result, header, body } = await invoke({
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
    const { result, body } = await invoke({
      method: "POST",
      path: "/v1/products",
      headers: { "content-type": "application/json" },
      binary: new TextEncoder().encode(JSON.stringify(productBody(sku))),
    });
    expect(result.statusCode).toBe(201);
    expect(result.isBase64Encoded).toBe(false);
    expect(body()).toMatchObject({ sku });
  });

  it("answers a text/plain body with 415", async () => {
    const { result, header } = await invoke({
      method: "POST",
      path: "/v1/products",
      headers: { "content-type": "text/plain" },
      text: JSON.stringify(productBody(uniqueSku("LAMBDA"))),
    });
    expect(result.statusCode).toBe(415);
    expect(header("content-type")).toBe("application/problem+json");
  });
});
