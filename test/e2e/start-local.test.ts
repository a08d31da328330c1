// Acceptance (local parity mode): `npm run start:local` against the machine's Postgres (a fresh
// database, roles of this run's own) and RabbitMQ (a namespace of its own) runs the whole order
// flow through the gateway, each service instance in its own process, with two catalog
// replicas that both serve calls; Ctrl-C stops every process, and one process dying stops all.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  deleteNamespace,
  describeWithBroker,
  rabbitUrl,
  testNamespace,
} from "../../functions/platform/bus/rabbitmq/test-broker.js";
import { queueNames } from "../../functions/platform/events/topology.js";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../../functions/platform/testing/databases.js";
import { dropRoles } from "../../functions/platform/testing/postgres-server.js";
import { adminToken, logIn } from "./oauth-client.js";
import { type Exit, READY_LINE, REPO_ROOT, servicePorts } from "./system.js";

const SERVICES = ["identity", "catalog", "orders", "payments"];
// Variables of the developer's own setup that must not leak into the system under test.
const CONTROLLED =
  /^(DATABASE_URL|DATABASE_ROLE_PREFIX|DATA_DIR|PORT_\w+|\w+_URLS?|\w+_REPLICAS|IDENTITY_KEY_SECRET|INTERNAL_TOKEN_SECRET|TOKEN_ISSUER|TRACES|LOG_FORMAT|BUS|BUS_\w+|RABBITMQ_URL|AWS_\w+|HOST|OTEL_\w+)$/;

interface Row {
  name: string;
  url: string;
  pid: number;
}

interface LocalSystem {
  child: ChildProcess;
  output: () => string;
  exited: Promise<Exit>;
  /** The banner's rows: every process, its URL and pid. */
  rows: Row[];
}

const systems: LocalSystem[] = [];

async function startLocal(env: Record<string, string>): Promise<LocalSystem> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !CONTROLLED.test(name)),
  );
  const child = spawn(process.execPath, ["--import", "tsx", "functions/start-local.ts"], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    output += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const system: LocalSystem = { child, output: () => output, exited, rows: [] };
  systems.push(system);
  const started = Date.now();
  while (!output.includes("Press Ctrl-C to stop.")) {
    // Six Node processes start at once: on a busy 2-core machine that takes a while.
    if (child.exitCode !== null || Date.now() - started > 90_000) {
      throw new Error(`start:local did not become ready:\n${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  expect(output).toContain(READY_LINE);
  for (const match of output.matchAll(/^ {2}(\S+)\s+(http:\/\/\S+)\s+pid (\d+)/gm)) {
    system.rows.push({ name: match[1] as string, url: match[2] as string, pid: Number(match[3]) });
  }
  return system;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Every child gone: polled, since the parent may exit a moment before the kernel reaps. */
async function allGone(pids: number[]) {
  const started = Date.now();
  while (pids.some(isRunning) && Date.now() - started < 5_000) {
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  return pids.filter(isRunning);
}

const describeLocal = databaseKinds.includes("postgres") ? describeWithBroker : describe.skip;

describeLocal("npm run start:local", () => {
  const namespace = testNamespace();
  const rolePrefix = `slipway_e2e_${randomBytes(4).toString("hex")}`;
  const databases: TestDatabase[] = [];
  const dirs: string[] = [];

  async function freshEnv(): Promise<Record<string, string>> {
    const database = await createTestDatabase("postgres");
    databases.push(database);
    const dataDir = await mkdtemp(join(tmpdir(), "slipway-e2e-local-"));
    dirs.push(dataDir);
    return {
      ...(await servicePorts()),
      DATABASE_URL: database.url as string,
      DATABASE_ROLE_PREFIX: rolePrefix,
      DATA_DIR: dataDir,
      RABBITMQ_URL: rabbitUrl,
      BUS_NAMESPACE: namespace,
      CATALOG_REPLICAS: "2",
      LOG_LEVEL: "WARN",
      TRACES: "off",
    };
  }

  afterAll(async () => {
    for (const system of systems) {
      system.child.kill("SIGKILL");
      for (const { pid } of system.rows) if (isRunning(pid)) process.kill(pid, "SIGKILL");
    }
    for (const database of databases) await database.drop();
    // The roles belong to the server, not to the dropped databases.
    if (databases.length > 0)
      await dropRoles(SERVICES.map((service) => `${rolePrefix}_${service}`));
    await deleteNamespace(namespace, queueNames).catch(() => {});
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  let env: Record<string, string>;
  let system: LocalSystem;
  beforeAll(async () => {
    env = await freshEnv();
  });

  it("runs the order flow with a process per service instance and two catalog replicas, and Ctrl-C stops them all", {
    timeout: 120_000,
  }, async () => {
    const began = Date.now();
    system = await startLocal(env);
    const readyMs = Date.now() - began;
    const gateway = `http://127.0.0.1:${env.PORT_GATEWAY}`;
    const { rows } = system;
    expect(rows.map((row) => row.name)).toEqual([
      "identity.1",
      "catalog.1",
      "catalog.2",
      "orders.1",
      "payments.1",
      "gateway",
    ]);
    expect(rows.find((row) => row.name === "catalog.1")?.url).toBe(
      `http://127.0.0.1:${env.PORT_CATALOG}`,
    );
    // Six processes of their own, none of them the runner itself, each running its service.
    const pids = rows.map((row) => row.pid);
    expect(new Set(pids).size).toBe(6);
    expect(pids).not.toContain(system.child.pid);
    for (const { name, pid } of rows) {
      expect(isRunning(pid)).toBe(true);
      const cmdline = `/proc/${pid}/cmdline`;
      if (existsSync(cmdline)) {
        const args = (await readFile(cmdline, "utf8")).split("\0");
        expect(args).toContain(name.split(".")[0]);
        expect(args.some((arg) => arg.endsWith("functions/local/run-service.ts"))).toBe(true);
      }
    }
    expect(system.output()).toContain(`each service as its own role: ${rolePrefix}_identity`);

    const ready = await fetch(`${gateway}/health/ready`);
    expect(ready.status).toBe(200);

    const api = async (method: string, path: string, token?: string, body?: unknown) => {
      const response = await fetch(`${gateway}${path}`, {
        method,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      return { status: response.status, json: await response.json() };
    };
    const admin = await adminToken(gateway, env.DATA_DIR as string);
    const password = (await readFile(join(env.DATA_DIR as string, "demo-password"), "utf8")).trim();
    const customer = (await logIn(gateway, { email: "demo@slipway.dev", password })).access_token;

    const created = await api("POST", "/v1/products", admin, {
      sku: "E2E-LOCAL-1",
      name: "Kettle",
      price: { amountMinor: 2500, currency: "EUR" },
      stock: 5,
    });
    expect(created.status).toBe(201);
    const productId: string = created.json.id;
    // The listing is fed by catalog's own events over RabbitMQ.
    const until = async <T>(read: () => Promise<T>, done: (value: T) => boolean) => {
      const started = Date.now();
      let value = await read();
      while (!done(value) && Date.now() - started < 15_000) {
        await new Promise((resolve) => setTimeout(resolve, 50));
        value = await read();
      }
      return value;
    };
    const listed = await until(
      () => api("GET", "/v1/products?limit=10"),
      (list) => list.json.items?.length === 1,
    );
    expect(listed.json.items).toEqual([created.json]);

    const order = async (paymentToken: string) => {
      const placed = await api("POST", "/v1/orders", customer, {
        lines: [{ productId, quantity: 2 }],
        paymentToken,
      });
      expect(placed.status).toBe(201);
      return (
        await until(
          () => api("GET", `/v1/orders/${placed.json.id}`, customer),
          (read) => read.json.status !== "pending" && read.json.status !== "stock_reserved",
        )
      ).json;
    };
    expect(await order("tok_success")).toMatchObject({ status: "confirmed" });
    expect((await api("GET", `/v1/products/${productId}`)).json.stock).toBe(3);
    expect(await order("tok_declined")).toMatchObject({
      status: "rejected",
      rejectionReason: "payment_declined",
    });
    expect(
      (
        await until(
          () => api("GET", `/v1/products/${productId}`),
          (read) => read.json.stock === 3,
        )
      ).json.stock,
    ).toBe(3);

    // Both catalog replicas served RPCs: the gateway's and orders' clients take turns.
    for (const replica of rows.filter((row) => row.name.startsWith("catalog."))) {
      const metrics = await (await fetch(`${replica.url}/metrics`)).text();
      const served = [
        ...metrics.matchAll(/^rpc_server_duration_ms_count\{[^}]*CatalogService[^}]*\} (\d+)/gm),
      ].reduce((sum, match) => sum + Number(match[1]), 0);
      expect(served, `${replica.name} served no call`).toBeGreaterThan(0);
    }

    system.child.kill("SIGINT");
    expect(await system.exited).toEqual({ code: 0, signal: null });
    expect(await allGone(pids)).toEqual([]);
    console.info(
      `start:local ready in ${readyMs} ms; flow and stop in ${Date.now() - began - readyMs} ms`,
    );
  });

  it("stops every process and exits non-zero when one of them dies", {
    timeout: 120_000,
  }, async () => {
    // The same database again: roles and schemas exist, so this start also shows it is
    // repeatable. Ports of its own, in case the first system is still around.
    const again = await startLocal({ ...env, ...(await servicePorts()) });
    const victim = again.rows.find((row) => row.name === "catalog.2") as Row;
    process.kill(victim.pid, "SIGKILL");
    expect(await again.exited).toEqual({ code: 1, signal: null });
    expect(again.output()).toMatch(
      /catalog\.2 \(pid \d+\) exited \(signal SIGKILL\); stopping every process/,
    );
    expect(await allGone(again.rows.map((row) => row.pid))).toEqual([]);
  });
});
