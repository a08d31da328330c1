// Drives the catalog's Lambda entry point with API Gateway v2 events, as AWS would, over
// Connect in both encodings (binary bodies base64-encoded, as API Gateway sends them).

import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { create, fromBinary, fromJson, toBinary } from "@bufbuild/protobuf";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import {
  CreateProductRequestSchema,
  CreateProductResponseSchema,
  GetProductRequestSchema,
  GetProductResponseSchema,
  type Product,
} from "../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../gen/rpc/v1/errors_pb.js";
import { CREDENTIAL_HEADER } from "../platform/auth/internal-credential.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { apiGatewayEvent, lambdaContext } from "../platform/testing/api-gateway-event.js";
import { testCredential } from "../platform/testing/credentials.js";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { uniqueSku } from "./testing.js";

const SERVICE_PATH = "/slipway.catalog.v1.CatalogService";
const UNKNOWN_ID = "01890a5d-ac96-774b-bcce-b302099a8057";
const binaryHeaders = { "content-type": "application/proto", "connect-protocol-version": "1" };
const jsonHeaders = { "content-type": "application/json", "connect-protocol-version": "1" };

type Invoke = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>;
// Hono declares its own event type (body: string | null); the aws-lambda one is what AWS sends.
type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyResult>;

interface ConnectErrorJson {
  code: string;
  message?: string;
  details?: { type: string; value: string }[];
}

function header(result: APIGatewayProxyResult, name: string): string | undefined {
  return result.headers?.[name] as string | undefined;
}

function bodyBytes(result: APIGatewayProxyResult): Buffer {
  expect(result.isBase64Encoded).toBe(true);
  return Buffer.from(result.body, "base64");
}

function errorJson(result: APIGatewayProxyResult): ConnectErrorJson {
  // Connect answers unary errors in JSON whatever the request's encoding: text, not base64.
  expect(header(result, "content-type")).toMatch(/^application\/json/);
  expect(result.isBase64Encoded).toBe(false);
  return JSON.parse(result.body) as ConnectErrorJson;
}

function violatedFields(error: ConnectErrorJson): string[] {
  const detail = error.details?.find((d) => d.type === "slipway.rpc.v1.BadRequest");
  if (!detail) return [];
  const badRequest = fromBinary(BadRequestSchema, Buffer.from(detail.value, "base64"));
  return badRequest.fieldViolations.map((violation) => violation.field);
}

describe.each(databaseKinds)("catalog Lambda handler on %s", (kind) => {
  let invoke: Invoke;
  let invokeWithoutCredential: Invoke;
  let dataDir: string;
  let database: TestDatabase | undefined;
  let created: Product;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slipway-catalog-lambda-"));
    database = kind === "postgres" ? await createTestDatabase("postgres") : undefined;
    vi.stubEnv("DATA_DIR", dataDir);
    vi.stubEnv("LOG_LEVEL", "SILENT");
    vi.stubEnv("DATABASE_URL", database?.url);
    vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
    // lambda.ts starts the catalog at import (a cold start); a fresh module graph per kind.
    vi.resetModules();
    const handler = (await import("./lambda.js")).handler as unknown as Handler;
    invokeWithoutCredential = (event) => handler(event, lambdaContext("slipway-catalog"));
    // Every call carries a fresh internal credential, as a calling service's client adds one.
    invoke = async (event) => {
      event.headers[CREDENTIAL_HEADER] = await testCredential("catalog");
      return invokeWithoutCredential(event);
    };
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("creates a product over Connect binary, base64 both ways", async () => {
    const request = create(CreateProductRequestSchema, {
      sku: uniqueSku("LAMBDA"),
      name: "Kettle",
      description: "Copper",
      price: { amountMinor: 4500n, currency: "JPY" },
      initialStock: 7,
    });
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/CreateProduct`,
        headers: binaryHeaders,
        binary: toBinary(CreateProductRequestSchema, request),
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(header(result, "content-type")).toBe("application/proto");
    const { product } = fromBinary(CreateProductResponseSchema, bodyBytes(result));
    expect(product).toMatchObject({
      sku: request.sku,
      name: "Kettle",
      description: "Copper",
      price: { amountMinor: 4500n, currency: "JPY" },
      stock: 7,
    });
    expect(product?.id).toMatch(/^[0-9a-f-]{36}$/);
    created = product as Product;
  });

  it("refuses a call without an internal credential: 401 unauthenticated", async () => {
    const result = await invokeWithoutCredential(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/GetProduct`,
        headers: jsonHeaders,
        text: JSON.stringify({ id: created.id }),
      }),
    );
    expect(result.statusCode).toBe(401);
    expect(errorJson(result).code).toBe("unauthenticated");
  });

  it("keeps the product in the configured database", async () => {
    if (database?.url) {
      const sql = postgres(database.url, { max: 1, onnotice: () => {} });
      try {
        const rows = await sql`select sku from catalog.products where id = ${created.id}`;
        expect(rows.map((row) => row.sku)).toEqual([created.sku]);
      } finally {
        await sql.end({ timeout: 5 });
      }
    } else {
      expect(existsSync(join(dataDir, "pglite", "PG_VERSION"))).toBe(true);
    }
  });

  it("gets the product over Connect JSON, int64 as a JSON string", async () => {
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/GetProduct`,
        headers: jsonHeaders,
        text: JSON.stringify({ id: created.id }),
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(header(result, "content-type")).toMatch(/^application\/json/);
    expect(result.isBase64Encoded).toBe(false);
    const json = JSON.parse(result.body);
    expect(json.product).toMatchObject({
      id: created.id,
      sku: created.sku,
      name: "Kettle",
      price: { amountMinor: "4500", currency: "JPY" },
      stock: 7,
    });
    expect(fromJson(GetProductResponseSchema, json).product).toEqual(created);
  });

  it("gets the product with a Connect GET request in JSON", async () => {
    const message = encodeURIComponent(JSON.stringify({ id: created.id }));
    const result = await invoke(
      apiGatewayEvent({
        method: "GET",
        path: `${SERVICE_PATH}/GetProduct?connect=v1&encoding=json&message=${message}`,
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(result.isBase64Encoded).toBe(false);
    expect(fromJson(GetProductResponseSchema, JSON.parse(result.body)).product).toEqual(created);
  });

  it("gets the product with a Connect GET request in binary", async () => {
    const bytes = toBinary(
      GetProductRequestSchema,
      create(GetProductRequestSchema, { id: created.id }),
    );
    const message = Buffer.from(bytes).toString("base64url");
    const result = await invoke(
      apiGatewayEvent({
        method: "GET",
        path: `${SERVICE_PATH}/GetProduct?connect=v1&encoding=proto&base64=1&message=${message}`,
      }),
    );
    expect(result.statusCode).toBe(200);
    expect(fromBinary(GetProductResponseSchema, bodyBytes(result)).product).toEqual(created);
  });

  it("answers NotFound as HTTP 404 with a Connect error, binary request", async () => {
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/GetProduct`,
        headers: binaryHeaders,
        binary: toBinary(
          GetProductRequestSchema,
          create(GetProductRequestSchema, { id: UNKNOWN_ID }),
        ),
      }),
    );
    expect(result.statusCode).toBe(404);
    const error = errorJson(result);
    expect(error.code).toBe("not_found");
    expect(error.message).toContain(UNKNOWN_ID);
  });

  it("answers NotFound as HTTP 404 with a Connect error, JSON request", async () => {
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/GetProduct`,
        headers: jsonHeaders,
        text: JSON.stringify({ id: UNKNOWN_ID }),
      }),
    );
    expect(result.statusCode).toBe(404);
    expect(errorJson(result).code).toBe("not_found");
  });

  it("answers InvalidArgument as HTTP 400 naming the fields, binary request", async () => {
    const request = create(CreateProductRequestSchema, {
      sku: "",
      name: "Kettle",
      price: { amountMinor: 1n, currency: "eur" },
    });
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/CreateProduct`,
        headers: binaryHeaders,
        binary: toBinary(CreateProductRequestSchema, request),
      }),
    );
    expect(result.statusCode).toBe(400);
    const error = errorJson(result);
    expect(error.code).toBe("invalid_argument");
    expect(violatedFields(error).sort()).toEqual(["price.currency", "sku"]);
  });

  it("answers InvalidArgument as HTTP 400 naming the field, JSON request", async () => {
    const result = await invoke(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/GetProduct`,
        headers: jsonHeaders,
        text: JSON.stringify({ id: "not-a-uuid" }),
      }),
    );
    expect(result.statusCode).toBe(400);
    const error = errorJson(result);
    expect(error.code).toBe("invalid_argument");
    expect(violatedFields(error)).toEqual(["id"]);
  });
});
