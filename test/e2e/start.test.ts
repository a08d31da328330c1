// Acceptance: `npm start`, then create → get → list → update → stock adjust through the gateway
// works, Ctrl-C stops it cleanly, and after a restart the product is still there.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, databaseKinds } from "../../functions/platform/testing/databases.js";
import { freePort, killAllSystems, spawnSystem } from "./system.js";

const UNKNOWN_ID = "01890a5d-ac96-774b-bcce-b302099a8057";
const CLEAN_EXIT = { code: 0, signal: null };

let dataDir: string;
let env: Record<string, string>;
let gateway: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-e2e-"));
  const [gatewayPort, catalogPort] = [await freePort(), await freePort()];
  gateway = `http://127.0.0.1:${gatewayPort}`;
  env = {
    PORT_GATEWAY: String(gatewayPort),
    PORT_CATALOG: String(catalogPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: "WARN",
  };
});

afterEach(async () => {
  await killAllSystems();
  await rm(dataDir, { recursive: true, force: true });
});

async function call(method: string, path: string, body?: unknown) {
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

async function startSystem(extraEnv: Record<string, string> = {}) {
  const system = spawnSystem({ ...env, ...extraEnv });
  await system.waitUntilRunning(60_000);
  return system;
}

describe("npm start", () => {
  it("serves the REST flow, stops on Ctrl-C and keeps the product across a restart", {
    timeout: 180_000,
  }, async () => {
    const first = await startSystem();
    expect(first.stdout).toContain(`gateway   ${gateway}`);
    expect(first.stdout).toContain(`catalog   http://127.0.0.1:${env.PORT_CATALOG}`);
    expect(first.stdout).toContain(`embedded (${dataDir})`);
    for (const port of [env.PORT_GATEWAY, env.PORT_CATALOG]) {
      const live = await fetch(`http://127.0.0.1:${port}/health/live`);
      expect(live.status).toBe(200);
    }

    const created = await call("POST", "/v1/products", {
      sku: "E2E-1",
      name: "Teapot",
      description: "Cast iron",
      price: { amountMinor: 4500, currency: "JPY" },
      stock: 5,
    });
    expect(created.status).toBe(201);
    const id: string = created.json.id;
    expect(created.headers.get("location")).toBe(`/v1/products/${id}`);
    expect(created.json).toMatchObject({ sku: "E2E-1", name: "Teapot", stock: 5 });

    expect(await call("GET", `/v1/products/${id}`)).toMatchObject({
      status: 200,
      json: created.json,
    });

    // The listing is fed by the catalog's events through the embedded bus: within a second.
    const listed = Date.now();
    let list = await call("GET", "/v1/products?limit=10");
    while (list.json.items?.length === 0 && Date.now() - listed < 1000) {
      await new Promise((resolve) => setTimeout(resolve, 20));
      list = await call("GET", "/v1/products?limit=10");
    }
    expect(list.status).toBe(200);
    expect(list.json).toEqual({ items: [created.json], nextCursor: null });

    const updated = await call("PATCH", `/v1/products/${id}`, {
      name: "Big teapot",
      price: { amountMinor: 5200, currency: "JPY" },
    });
    expect(updated.status).toBe(200);
    expect(updated.json).toMatchObject({
      name: "Big teapot",
      description: "Cast iron",
      price: { amountMinor: 5200, currency: "JPY" },
    });

    const adjusted = await call("POST", `/v1/products/${id}/stock`, { delta: -2, reason: "sold" });
    expect(adjusted.status).toBe(200);
    expect(adjusted.json).toMatchObject({ name: "Big teapot", stock: 3 });

    const missing = await call("GET", `/v1/products/${UNKNOWN_ID}`);
    expect(missing.status).toBe(404);
    expect(missing.headers.get("content-type")).toMatch(/^application\/problem\+json/);

    expect(await first.stop("SIGINT", 10_000)).toEqual(CLEAN_EXIT);

    const second = await startSystem();
    expect(await call("GET", `/v1/products/${id}`)).toMatchObject({
      status: 200,
      json: adjusted.json,
    });
    expect(await second.stop("SIGINT", 10_000)).toEqual(CLEAN_EXIT);
  });

  it("refuses a bad configuration quickly, naming the variable", { timeout: 60_000 }, async () => {
    const system = spawnSystem({ ...env, PORT_GATEWAY: "abc", PORT_CATALOG: "99999" });
    const started = Date.now();
    const exit = await system.exited;
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(exit).toEqual({ code: 1, signal: null });
    expect(system.stdout).not.toContain("slipway is running");
    expect(system.stderr).toMatch(/^invalid configuration:\n {2}- PORT_CATALOG: /);
  });

  // Every service's variables are checked together, so one start shows every mistake.
  it("reports every bad variable at once", { timeout: 60_000 }, async () => {
    const system = spawnSystem({ ...env, PORT_GATEWAY: "abc", PORT_CATALOG: "99999" });
    await system.exited;
    expect(system.stderr).toContain("PORT_CATALOG");
    expect(system.stderr).toContain("PORT_GATEWAY");
  });

  // An empty CATALOG_URL counts as unset: the gateway uses the catalog this process started,
  // never the fixed default port where something else may listen.
  it("finds the catalog on PORT_CATALOG when CATALOG_URL is empty", {
    timeout: 120_000,
  }, async () => {
    await startSystem({ CATALOG_URL: "" });
    expect((await call("GET", "/v1/products")).status).toBe(200);
  });
});

describe.runIf(databaseKinds.includes("postgres"))("npm start with DATABASE_URL", () => {
  let drop: (() => Promise<void>) | undefined;

  afterAll(async () => {
    await killAllSystems();
    await drop?.();
  });

  it("keeps a product in Postgres across a restart", { timeout: 180_000 }, async () => {
    const database = await createTestDatabase("postgres");
    drop = database.drop;
    const postgresEnv = { DATABASE_URL: database.url as string };

    const first = await startSystem(postgresEnv);
    expect(first.stdout).toContain("postgres (DATABASE_URL)");
    const created = await call("POST", "/v1/products", {
      sku: "E2E-PG-1",
      name: "Kettle",
      price: { amountMinor: 1999, currency: "EUR" },
      stock: 2,
    });
    expect(created.status).toBe(201);
    expect(await first.stop("SIGINT", 10_000)).toEqual(CLEAN_EXIT);

    const second = await startSystem(postgresEnv);
    expect(await call("GET", `/v1/products/${created.json.id}`)).toMatchObject({
      status: 200,
      json: created.json,
    });
    expect(await second.stop("SIGINT", 10_000)).toEqual(CLEAN_EXIT);
    // Nothing went to the embedded database.
    expect(existsSync(join(dataDir, "pglite"))).toBe(false);
  });
});
