// Acceptance: `npm start`, then create → get → list → update → stock adjust through the gateway
// works, Ctrl-C stops it cleanly, and after a restart the product is still there.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  deleteNamespace,
  describeWithBroker,
  rabbitUrl,
  testNamespace,
} from "../../functions/platform/bus/rabbitmq/test-broker.js";
import { queueNames } from "../../functions/platform/events/topology.js";
import { createTestDatabase, databaseKinds } from "../../functions/platform/testing/databases.js";
import { startTcpProxy, type TcpProxy } from "../../functions/platform/testing/tcp-proxy.js";
import { adminToken } from "./oauth-client.js";
import { killAllSystems, servicePorts, spawnSystem } from "./system.js";

const UNKNOWN_ID = "01890a5d-ac96-774b-bcce-b302099a8057";
const CLEAN_EXIT = { code: 0, signal: null };
// How long after a restart the listing may take to show what was written before a crash.
const CATCH_UP_MS = 5_000;
// Writes sent at once in the kill test, and how many answer before the kill.
const BURST = 30;
const KILL_AFTER = 10;

let dataDir: string;
let env: Record<string, string>;
let gateway: string;

beforeEach(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-e2e-"));
  const ports = await servicePorts();
  gateway = `http://127.0.0.1:${ports.PORT_GATEWAY}`;
  env = {
    ...ports,
    DATA_DIR: dataDir,
    LOG_LEVEL: "WARN",
  };
});

afterEach(async () => {
  await killAllSystems();
  await rm(dataDir, { recursive: true, force: true });
});

const adminTokens = new Map<string, Promise<string>>();

/** The seeded admin client's token for this test's system (its data dir), fetched once. */
function admin(): Promise<string> {
  const key = `${gateway} ${dataDir}`;
  let token = adminTokens.get(key);
  if (!token) {
    token = adminToken(gateway, dataDir);
    adminTokens.set(key, token);
    token.catch(() => adminTokens.delete(key));
  }
  return token;
}

/** Calls the gateway; changes go as the seeded admin client. */
async function call(method: string, path: string, body?: unknown) {
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (method !== "GET") headers.authorization = `Bearer ${await admin()}`;
  const response = await fetch(`${gateway}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

/** The listing's products once it has `count` of them, or whatever it has after `withinMs`. */
async function listingOnceItHas(count: number, withinMs: number) {
  const started = Date.now();
  let list = await call("GET", "/v1/products?limit=100");
  while (list.json.items?.length !== count && Date.now() - started < withinMs) {
    await new Promise((resolve) => setTimeout(resolve, 50));
    list = await call("GET", "/v1/products?limit=100");
  }
  expect(list).toMatchObject({ status: 200, json: { nextCursor: null } });
  return list.json.items as { id: string; sku: string }[];
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

  // Acceptance: killed mid-flow (SIGKILL: no chance to finish anything) and started again,
  // nothing is lost. The kill lands in a burst of writes, right after one of them answers, so
  // others are still in flight (some committed and never answered) when it dies.
  it("loses no event when killed in the middle of writes, and the listing catches up after a restart", {
    timeout: 180_000,
  }, async () => {
    const first = await startSystem();
    const skus = Array.from({ length: BURST }, (_, i) => `E2E-KILL-${i + 1}`);
    const answered = new Map<string, Record<string, unknown>>();
    const statuses: number[] = [];
    let killed: Promise<unknown> | undefined;
    // Requests cut off by the kill reject; those are the ones in flight.
    await Promise.allSettled(
      skus.map(async (sku, i) => {
        const response = await call("POST", "/v1/products", {
          sku,
          name: `Kettle ${i + 1}`,
          price: { amountMinor: 1000 + i, currency: "EUR" },
          stock: i,
        });
        statuses.push(response.status);
        if (response.status === 201) answered.set(sku, response.json);
        if (answered.size === KILL_AFTER) killed ??= first.stop("SIGKILL");
      }),
    );
    expect(await killed).toEqual({ code: null, signal: "SIGKILL" });
    expect(statuses).toEqual(statuses.map(() => 201));
    expect(answered.size).toBeGreaterThanOrEqual(KILL_AFTER);

    await startSystem();
    // Whatever the dead process committed is still there: its SKU is taken now. Those
    // products must reach the listing too; the others are created now.
    const expected = new Map(answered);
    for (const [i, sku] of skus.entries()) {
      if (answered.has(sku)) continue;
      const again = await call("POST", "/v1/products", {
        sku,
        name: `Kettle ${i + 1}`,
        price: { amountMinor: 1000 + i, currency: "EUR" },
        stock: i,
      });
      expect([201, 409]).toContain(again.status);
      if (again.status === 201) expected.set(sku, again.json);
    }

    const listed = await listingOnceItHas(BURST, CATCH_UP_MS);
    expect(listed.map((product) => product.sku).sort()).toEqual([...skus].sort());
    for (const product of expected.values()) expect(listed).toContainEqual(product);
    // Each listed product is the product as stored (the committed-but-unanswered ones too).
    for (const product of listed) {
      expect(await call("GET", `/v1/products/${product.id}`)).toMatchObject({
        status: 200,
        json: product,
      });
    }
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

// With a broker, events that could not be published wait in the outbox; a SIGKILL then must
// not lose them: the restarted process's sweeper sends them once the broker is back.
describeWithBroker("npm start with BUS=rabbitmq", () => {
  const namespace = testNamespace();
  let proxy: TcpProxy | undefined;

  beforeAll(async () => {
    const broker = new URL(rabbitUrl);
    proxy = await startTcpProxy({
      targetHost: broker.hostname,
      targetPort: Number(broker.port || 5672),
    });
  });
  afterAll(async () => {
    await killAllSystems();
    await proxy?.close();
    await deleteNamespace(namespace, queueNames);
  });

  it("keeps writes made while the broker is unreachable across a SIGKILL and delivers their events after a restart", {
    timeout: 180_000,
  }, async () => {
    if (!proxy) throw new Error("no proxy");
    const busEnv = {
      BUS: "rabbitmq",
      RABBITMQ_URL: proxy.urlFor(rabbitUrl),
      BUS_NAMESPACE: namespace,
    };
    const first = await startSystem(busEnv);
    expect(first.stdout).toContain("rabbitmq bus");

    proxy.cut();
    const created = [];
    for (const n of [1, 2, 3]) {
      const response = await call("POST", "/v1/products", {
        sku: `E2E-OUTBOX-${n}`,
        name: `Kettle ${n}`,
        price: { amountMinor: 1000 + n, currency: "EUR" },
        stock: n,
      });
      expect(response.status).toBe(201);
      created.push(response.json);
    }
    // Committed, but their events could not leave: the listing has none of them.
    expect((await call("GET", "/v1/products")).json.items).toEqual([]);
    expect(await first.stop("SIGKILL")).toEqual({ code: null, signal: "SIGKILL" });

    proxy.restore();
    const second = await startSystem(busEnv);
    // The sweeper retries with backoff (2 s after the first failure, 4 s after the second).
    expect(await listingOnceItHas(created.length, 20_000)).toEqual(created);
    expect(await second.stop("SIGINT", 10_000)).toEqual(CLEAN_EXIT);
  });
});
