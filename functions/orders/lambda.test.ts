// Drives the orders service's Lambda entry point with API Gateway v2 events, as AWS would: it
// starts from the environment alone, checks credentials, and answers Connect errors.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { APIGatewayProxyEventV2, APIGatewayProxyResult } from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CREDENTIAL_HEADER } from "../platform/auth/internal-credential.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { apiGatewayEvent, lambdaContext } from "../platform/testing/api-gateway-event.js";
import { testCredential } from "../platform/testing/credentials.js";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../platform/testing/databases.js";

const SERVICE_PATH = "/slipway.orders.v1.OrdersService";
const UNKNOWN_ID = "01890a5d-ac96-774b-bcce-b302099a8057";
const jsonHeaders = { "content-type": "application/json", "connect-protocol-version": "1" };

type Invoke = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyResult>;
type Handler = (event: APIGatewayProxyEventV2, context: unknown) => Promise<APIGatewayProxyResult>;

describe.each(databaseKinds)("orders Lambda handler on %s", (kind) => {
  let invoke: Invoke;
  let invokeWithoutCredential: Invoke;
  let dataDir: string;
  let database: TestDatabase | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slipway-orders-lambda-"));
    database = kind === "postgres" ? await createTestDatabase("postgres") : undefined;
    vi.stubEnv("DATA_DIR", dataDir);
    vi.stubEnv("LOG_LEVEL", "SILENT");
    vi.stubEnv("DATABASE_URL", database?.url);
    vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
    // Nothing listens there: pricing finds catalog unreachable.
    vi.stubEnv("CATALOG_URL", "http://127.0.0.1:9");
    vi.stubEnv("RPC_TIMEOUT_MS", "2000");
    // lambda.ts starts the service at import (a cold start); a fresh module graph per kind.
    vi.resetModules();
    const handler = (await import("./lambda.js")).handler as unknown as Handler;
    invokeWithoutCredential = (event) => handler(event, lambdaContext("slipway-orders"));
    invoke = async (event) => {
      event.headers[CREDENTIAL_HEADER] = await testCredential("orders", {
        subject: "lambda-customer",
        scopes: new Set(["orders:read", "orders:write"]),
      });
      return invokeWithoutCredential(event);
    };
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await database?.drop();
    await rm(dataDir, { recursive: true, force: true });
  });

  const call = (method: string, body: unknown, send: Invoke = invoke) =>
    send(
      apiGatewayEvent({
        method: "POST",
        path: `${SERVICE_PATH}/${method}`,
        headers: jsonHeaders,
        text: JSON.stringify(body),
      }),
    );

  it("answers NotFound for an unknown order over Connect JSON", async () => {
    const result = await call("GetOrder", { id: UNKNOWN_ID });
    expect(result.statusCode).toBe(404);
    expect(JSON.parse(result.body)).toMatchObject({ code: "not_found" });
  });

  it("answers an empty list for a customer without orders", async () => {
    const result = await call("ListOrders", {});
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toEqual({});
  });

  it("answers Unavailable when catalog cannot be reached to price the order", async () => {
    const result = await call("PlaceOrder", {
      lines: [{ productId: UNKNOWN_ID, quantity: 1 }],
      paymentToken: "tok_success",
    });
    expect(result.statusCode).toBe(503);
    expect(JSON.parse(result.body)).toMatchObject({ code: "unavailable" });
  });

  it("refuses a call without an internal credential: 401 unauthenticated", async () => {
    const result = await call("GetOrder", { id: UNKNOWN_ID }, invokeWithoutCredential);
    expect(result.statusCode).toBe(401);
    expect(JSON.parse(result.body)).toMatchObject({ code: "unauthenticated" });
  });
});
