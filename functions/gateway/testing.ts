/**
 * Test harness for the gateway: the real gateway app in front of a real catalog (see
 * `useCatalog`), wired in process through the catalog's own HTTP app, so a request crosses
 * REST validation, the Connect client, the catalog's interceptors and its database.
 *
 * @example
 * describe("products", () => {
 *   const gateway = useGateway("pglite");
 *   it("lists", async () => { expect((await gateway.request("/v1/products")).status).toBe(200); });
 * });
 */
import type { Hono } from "hono";
import { beforeAll } from "vitest";
import { type CatalogUnderTest, useCatalog } from "../catalog/testing.js";
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
import { startGateway } from "./services.js";

/** Small enough that a 413 test needs no large payload. */
export const TEST_BODY_LIMIT_BYTES = 16 * 1024;

export const testGatewayConfig: GatewayConfig = {
  PORT_GATEWAY: 0,
  CATALOG_URL: "http://catalog.test",
  RPC_TIMEOUT_MS: 5000,
  BODY_LIMIT_BYTES: TEST_BODY_LIMIT_BYTES,
  LOG_LEVEL: "SILENT",
};

export interface GatewayUnderTest {
  app: Hono;
  catalog: CatalogUnderTest;
  request(path: string, init?: RequestInit): Promise<Response>;
}

/** A gateway over a fresh catalog, built before the file's tests (catalog stopped after). */
export function useGateway(kind: DatabaseKind): GatewayUnderTest {
  const catalog = useCatalog(kind);
  const harness: GatewayUnderTest = {
    app: undefined as unknown as Hono,
    catalog,
    request: async (path, init) => harness.app.request(path, init),
  };
  // Registered after useCatalog's hook, so the catalog app exists when this runs.
  beforeAll(() => {
    harness.app = startGateway(testGatewayConfig, { fetch: inProcessFetch(catalog.app) });
  });
  return harness;
}

/** A gateway whose calls to services go through `fetch`, for simulating broken services. */
export function gatewayWith(fetch: typeof globalThis.fetch, config: Partial<GatewayConfig> = {}) {
  return startGateway({ ...testGatewayConfig, ...config }, { fetch });
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
