// The measured requests. Each reads the same product, created once per system (by the seeded
// admin client), and each is checked once for a correct answer before it is put under load.
// The third is the gateway's request again, on a second system started with TRACES=off: the
// baseline of the tracing overhead.
//
//   const scenarios = await prepareScenarios(system); // [gateway, connect]
//   const baseline = await prepareUntracedGateway(untracedSystem);

import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import {
  GetProductRequestSchema,
  GetProductResponseSchema,
} from "../functions/gen/catalog/v1/catalog_pb.js";
import {
  CREDENTIAL_HEADER,
  mintCredential,
  serviceCaller,
} from "../functions/platform/auth/internal-credential.js";
import type { LoadOptions } from "./load.js";
import type { RunningSystem } from "./system.js";

export interface Scenario {
  name: "gateway" | "connect" | "gateway-traces-off";
  description: string;
  /** The system that serves it. */
  system: RunningSystem;
  /** Called before each load run: credentials in it live a minute at most. */
  request: () => Promise<Pick<LoadOptions, "url" | "method" | "headers" | "body">>;
}

export async function prepareScenarios(system: RunningSystem): Promise<Scenario[]> {
  const id = await createProduct(system.gatewayUrl, await adminToken(system));
  const gateway = gatewayScenario(
    system,
    id,
    "gateway",
    "REST GET /v1/products/:id at the gateway (JSON → Connect → catalog → DB)",
  );
  const connect: Scenario = {
    name: "connect",
    system,
    description:
      "Connect GetProduct straight to catalog (binary proto → DB), as the gateway calls it",
    request: async () => ({
      url: `${system.catalogUrl}/slipway.catalog.v1.CatalogService/GetProduct`,
      method: "POST",
      headers: {
        "content-type": "application/proto",
        "connect-protocol-version": "1",
        // The one credential is reused for the whole run, so its signing is not measured; the
        // gateway signs one per call, which its figures include.
        [CREDENTIAL_HEADER]: await mintCredential({
          secret: system.internalSecret,
          from: "bench",
          to: "catalog",
          caller: serviceCaller("bench"),
        }),
      },
      body: Buffer.from(toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id }))),
    }),
  };
  await verifyGateway(gateway, id);
  await verifyConnect(connect, id);
  return [gateway, connect];
}

/** The gateway scenario on a system started with TRACES=off. */
export async function prepareUntracedGateway(system: RunningSystem): Promise<Scenario> {
  const id = await createProduct(system.gatewayUrl, await adminToken(system));
  const scenario = gatewayScenario(
    system,
    id,
    "gateway-traces-off",
    "the gateway's request on a second system started with TRACES=off (no tracing SDK)",
  );
  await verifyGateway(scenario, id);
  return scenario;
}

function gatewayScenario(
  system: RunningSystem,
  id: string,
  name: Scenario["name"],
  description: string,
): Scenario {
  return {
    name,
    description,
    system,
    request: async () => ({
      url: `${system.gatewayUrl}/v1/products/${encodeURIComponent(id)}`,
      method: "GET",
    }),
  };
}

/** An access token of the admin client `npm start` seeds, whose secret it keeps in DATA_DIR. */
async function adminToken(system: RunningSystem): Promise<string> {
  const secret = (await readFile(join(system.dataDir, "admin-client-secret"), "utf8")).trim();
  const response = await fetch(`${system.gatewayUrl}/oauth2/token`, {
    method: "POST",
    headers: {
      "content-type": "application/x-www-form-urlencoded",
      authorization: `Basic ${Buffer.from(`slipway-admin:${secret}`).toString("base64")}`,
    },
    body: new URLSearchParams({ grant_type: "client_credentials", scope: "catalog:write" }),
  });
  const text = await response.text();
  const token = (parseJson(text) as { access_token?: unknown } | undefined)?.access_token;
  if (response.status !== 200 || typeof token !== "string") {
    throw new Error(`POST /oauth2/token answered ${response.status}: ${text}`);
  }
  return token;
}

async function createProduct(gatewayUrl: string, token: string): Promise<string> {
  const sku = `BENCH-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
  const response = await fetch(`${gatewayUrl}/v1/products`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({
      sku,
      name: "Bench product",
      description: "Read over and over by the benchmark.",
      price: { amountMinor: 1999, currency: "EUR" },
      stock: 10,
    }),
  });
  const text = await response.text();
  if (response.status !== 201) {
    throw new Error(`POST /v1/products answered ${response.status}, not 201: ${text}`);
  }
  const id: unknown = (JSON.parse(text) as { id?: unknown }).id;
  if (typeof id !== "string" || id === "") throw new Error(`POST /v1/products gave no id: ${text}`);
  return id;
}

async function verifyGateway(scenario: Scenario, id: string): Promise<void> {
  const response = await send(await scenario.request());
  const text = await response.text();
  const body = parseJson(text) as { id?: unknown } | undefined;
  if (response.status !== 200 || body?.id !== id) {
    throw new Error(
      `${scenario.name}: expected 200 with product ${id}, got ${response.status} ${text}`,
    );
  }
}

async function verifyConnect(scenario: Scenario, id: string): Promise<void> {
  const response = await send(await scenario.request());
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (response.status !== 200) {
    const text = new TextDecoder().decode(bytes);
    throw new Error(`${scenario.name}: expected 200, got ${response.status} ${text}`);
  }
  const product = fromBinary(GetProductResponseSchema, bytes).product;
  if (product?.id !== id) {
    throw new Error(`${scenario.name}: expected product ${id}, got ${product?.id ?? "none"}`);
  }
}

function send(request: Awaited<ReturnType<Scenario["request"]>>): Promise<Response> {
  return fetch(request.url, {
    method: request.method,
    ...(request.headers === undefined ? {} : { headers: request.headers }),
    ...(request.body === undefined
      ? {}
      : { body: typeof request.body === "string" ? request.body : new Uint8Array(request.body) }),
  });
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
