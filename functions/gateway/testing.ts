/**
 * Test harness for the gateway: the real gateway app in front of a real catalog (see
 * `useCatalog`) and, when asked, a real identity, wired in process through their own HTTP apps,
 * so a request crosses REST validation, the token check, the Connect client with its internal
 * credential, the service's interceptors and its database. Orders come from whatever app is
 * given as `orders` (`fakeOrders()` from ./fake-orders.ts, or a real orders service).
 *
 * Gateways built here trust one test signing key: `testToken(scope)` mints a token it accepts,
 * `adminToken()` one with `catalog:write`, and `authorized(init, token)` sends it.
 *
 * @example
 * describe("products", () => {
 *   const gateway = useGateway("pglite");
 *   it("lists", async () => { expect((await gateway.request("/v1/products")).status).toBe(200); });
 *   it("creates", async () => {
 *     const response = await gateway.asAdmin("/v1/products", json("POST", productBody("A-1")));
 *     expect(response.status).toBe(201);
 *   });
 * });
 *
 * const orders = fakeOrders();
 * const gateway = useGateway("pglite", { catalog: false, orders });
 * // orders.callsOf("placeOrder")[0]?.caller.subject, orders.answer("getOrder", () => { throw … })
 */

import type { Hono } from "hono";
import { createLocalJWKSet, type JWTVerifyGetKey } from "jose";
import { beforeAll } from "vitest";
import { type CatalogUnderTest, useCatalog } from "../catalog/testing.js";
import { type IdentityUnderTest, useIdentity } from "../identity/testing.js";
import {
  createSigningKey,
  keySetOf,
  type MintOptions,
  mintAccessToken,
  type SigningKey,
  TEST_INTERNAL_SECRET,
  TEST_TOKEN_CONTEXT,
} from "../platform/auth/testing.js";
import type { DatabaseKind } from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import type { GatewayConfig } from "./config.js";
import {
  type FieldError,
  type Problem,
  type ProblemKind,
  problemKinds,
  problemType,
} from "./problem.js";
import { type GatewayOptions, startGateway } from "./services.js";

/** Small enough that a 413 test needs no large payload. */
export const TEST_BODY_LIMIT_BYTES = 16 * 1024;

export const testGatewayConfig: GatewayConfig = {
  PORT_GATEWAY: 0,
  CATALOG_URL: "http://catalog.test",
  IDENTITY_URL: "http://identity.test",
  ORDERS_URL: "http://orders.test",
  PAYMENTS_URL: "http://payments.test",
  TOKEN_ISSUER: TEST_TOKEN_CONTEXT.issuer,
  INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
  RPC_TIMEOUT_MS: 5000,
  BODY_LIMIT_BYTES: TEST_BODY_LIMIT_BYTES,
  LOG_LEVEL: "SILENT",
};

/** The scopes of a customer's token. */
export const CUSTOMER_SCOPE = "profile orders:read orders:write";

let signingKey: Promise<SigningKey> | undefined;

/** The key test access tokens are signed with (one per test file). */
export function testSigningKey(): Promise<SigningKey> {
  signingKey ??= createSigningKey("gateway-test-key");
  return signingKey;
}

/** The keys gateways built here check tokens with: the test key's only. */
export const testJwks: JWTVerifyGetKey = async (header, token) =>
  createLocalJWKSet(keySetOf(await testSigningKey()))(header, token);

/** A valid access token granting `scope` (space-separated), with `options` applied. */
export async function testToken(scope: string, options: MintOptions = {}): Promise<string> {
  return mintAccessToken(await testSigningKey(), {
    ...options,
    claims: { scope, ...options.claims },
  });
}

/** A catalog admin's token: `catalog:write`. */
export function adminToken(): Promise<string> {
  return testToken("catalog:write", { claims: { sub: "catalog-admin-1" } });
}

/** `init` with `Authorization: Bearer <token>` added to its headers. */
export function authorized(init: RequestInit, token: string): RequestInit {
  const headers = new Headers(init.headers);
  headers.set("authorization", `Bearer ${token}`);
  return { ...init, headers };
}

export interface GatewayUnderTest {
  app: Hono;
  /** The catalog behind the gateway, unless `useGateway(kind, { catalog: false })`. */
  catalog: CatalogUnderTest;
  /** The identity behind the gateway; only with `useGateway(kind, { identity: true })`. */
  identity: IdentityUnderTest;
  /** A request without a token. */
  request(path: string, init?: RequestInit): Promise<Response>;
  /** A request with a fresh `adminToken()`. */
  asAdmin(path: string, init?: RequestInit): Promise<Response>;
}

export interface UseGatewayOptions {
  /** Run a real catalog behind the gateway (default true). */
  catalog?: boolean;
  /** Run a real identity behind the gateway (default false). */
  identity?: boolean;
  /**
   * The orders service behind the gateway: anything with a Connect app serving OrdersService
   * (a `fakeOrders()`, say), read when the gateway is built. None by default.
   */
  orders?: { readonly app: { fetch(request: Request): Response | Promise<Response> } };
}

/**
 * A gateway over a fresh catalog and/or identity, each on its own database, and the orders
 * service given, built before the file's tests (services stopped after). A service not run
 * fails as if it were down. Each database is large: ask for the services a file needs, not
 * both by habit.
 */
export function useGateway(kind: DatabaseKind, options: UseGatewayOptions = {}): GatewayUnderTest {
  const catalog = options.catalog === false ? undefined : useCatalog(kind);
  const identity = options.identity ? useIdentity(kind) : undefined;
  const harness: GatewayUnderTest = {
    app: undefined as unknown as Hono,
    catalog: catalog as CatalogUnderTest,
    identity: identity as IdentityUnderTest,
    request: async (path, init) => harness.app.request(path, init),
    asAdmin: async (path, init = {}) =>
      harness.app.request(path, authorized(init, await adminToken())),
  };
  // Registered after the services' hooks, so their apps exist when this runs.
  beforeAll(() => {
    harness.app = startGateway(testGatewayConfig, {
      upstreams: {
        catalog: catalog ? inProcessFetch(catalog.app) : serviceDown,
        identity: identity ? inProcessFetch(identity.app) : serviceDown,
        orders: options.orders ? inProcessFetch(options.orders.app) : serviceDown,
      },
      jwks: testJwks,
    });
  });
  return harness;
}

const serviceDown: typeof fetch = () =>
  Promise.reject(new TypeError("fetch failed: this service does not run in this test"));

/**
 * A gateway whose calls to services go through `fetch`, for simulating broken services; it
 * trusts the test key unless `options` say otherwise.
 */
export function gatewayWith(
  fetch: typeof globalThis.fetch,
  config: Partial<GatewayConfig> = {},
  options: GatewayOptions = {},
) {
  return startGateway({ ...testGatewayConfig, ...config }, { fetch, jwks: testJwks, ...options });
}

/** RequestInit for a JSON body. */
export function json(method: string, body: unknown): RequestInit {
  return {
    method,
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  };
}

/** A valid create-product body; `overrides` replace whole fields. */
export function productBody(sku: string, overrides: Record<string, unknown> = {}) {
  return {
    sku,
    name: "Teapot",
    description: "Cast iron",
    price: { amountMinor: 4500, currency: "EUR" },
    stock: 3,
    ...overrides,
  };
}

const PROBLEM_KEYS = new Set(["type", "title", "status", "detail", "instance", "errors"]);

/**
 * Why `body` (answered with `status` for `path`, when given) is not a well-formed problem of
 * this gateway, or undefined when it is one. For property tests, where one `expect` per field
 * would be noisy.
 */
export function problemDefect(body: unknown, status: number, path?: string): string | undefined {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return "not an object";
  const problem = body as Partial<Problem>;
  const extra = Object.keys(problem).filter((key) => !PROBLEM_KEYS.has(key));
  if (extra.length > 0) return `unexpected members ${extra.join(", ")}`;
  const kind = (Object.keys(problemKinds) as ProblemKind[]).find(
    (name) => problem.type === problemType(name),
  );
  if (!kind) return `unknown type ${String(problem.type)}`;
  if (problem.status !== status) return "status differs from the HTTP status";
  if (problemKinds[kind].status !== status) return "type does not match the status";
  if (problem.title !== problemKinds[kind].title) return "title mismatch";
  if (typeof problem.detail !== "string" || problem.detail === "") return "no detail";
  if (typeof problem.instance !== "string" || !problem.instance.startsWith("/")) {
    return "instance is not a path";
  }
  if (path !== undefined && problem.instance !== path) return `instance is not ${path}`;
  return problem.errors === undefined ? undefined : fieldErrorsDefect(problem.errors);
}

function fieldErrorsDefect(errors: unknown): string | undefined {
  if (!Array.isArray(errors) || errors.length === 0) return "errors is not a non-empty array";
  for (const error of errors as FieldError[]) {
    if (typeof error.detail !== "string") return "field error without detail";
    if (error.pointer === undefined && error.parameter === undefined) return "field error nowhere";
    if (error.pointer !== undefined && !/^#(\/|$)/.test(error.pointer)) return "bad pointer";
  }
  return undefined;
}
