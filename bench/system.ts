// The system under test as a child process: `functions/start.ts` on free loopback ports with a
// throwaway PGlite data directory, writing its traces there as `npm start` does by default (or
// none with `env: { TRACES: "off" }`). The child never outlives the bench: it is stopped on
// normal completion, on errors and on Ctrl-C / SIGTERM.
//
//   const system = await startSystem();                                 // or
//   const system = await startSystem({ label: "traces off", env: { TRACES: "off" } });
//   try { await fetch(`${system.gatewayUrl}/v1/products`); } finally { await system.stop(); }

import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { createServer, type Server } from "node:net";
import { constants, tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { superviseChild } from "./child-process.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const entry = "functions/start.ts";
const readyTimeoutMs = 60_000;
const handledSignals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

export interface RunningSystem {
  gatewayUrl: string;
  catalogUrl: string;
  /** The system's INTERNAL_TOKEN_SECRET, for calling catalog directly as a service would. */
  internalSecret: string;
  /** Where the system keeps its data, the seeded local credentials among it. */
  dataDir: string;
  // Why the child is gone, or undefined while it runs.
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

export interface SystemOptions {
  /** Tags the child's output lines: `[system <label>]`. */
  label?: string;
  /** Set for the child on top of the bench's own environment. */
  env?: Record<string, string>;
}

export async function startSystem(options: SystemOptions = {}): Promise<RunningSystem> {
  if (!existsSync(join(repoRoot, entry))) throw new Error(`${entry} not found: nothing to bench`);
  const [gatewayPort, catalogPort, identityPort, ordersPort, paymentsPort] = await freePorts(5);
  const dataDir = await mkdtemp(join(tmpdir(), "slipway-bench-"));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT_GATEWAY: String(gatewayPort),
    PORT_CATALOG: String(catalogPort),
    PORT_IDENTITY: String(identityPort),
    PORT_ORDERS: String(ordersPort),
    PORT_PAYMENTS: String(paymentsPort),
    DATA_DIR: dataDir,
    LOG_LEVEL: "WARN",
    HOST: "127.0.0.1",
    INTERNAL_TOKEN_SECRET: randomBytes(32).toString("base64url"),
  };
  // Always embedded PGlite, so figures compare across machines and runs; and the gateway must
  // call this run's catalog, not one a developer's shell points at.
  delete env.DATABASE_URL;
  for (const name of ["CATALOG_URL", "IDENTITY_URL", "ORDERS_URL", "PAYMENTS_URL", "TOKEN_ISSUER"])
    delete env[name];
  // Traces go to files in the data directory, as `npm start` does by default, whatever the
  // developer's shell says (a collector would make the figures the network's).
  for (const name of Object.keys(env)) if (name.startsWith("OTEL_")) delete env[name];
  delete env.TRACES;
  Object.assign(env, options.env);

  const child = spawn(process.execPath, ["--import", "tsx", entry], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a terminal's Ctrl-C reaches only the bench, which then sends the
    // one SIGTERM (a second signal would make the system skip its clean stop).
    detached: true,
  });
  const tag = options.label ? `[system ${options.label}]` : "[system]";
  for (const stream of [child.stdout, child.stderr]) {
    // stdout of the bench carries only the report.
    createInterface({ input: stream }).on("line", (line) => {
      process.stderr.write(`${tag} ${line}\n`);
    });
  }
  const supervised = superviseChild(child, "system");
  const removeData = () => rmSync(dataDir, { recursive: true, force: true });
  let signals = 0;
  const onSignal = (signal: NodeJS.Signals) => {
    signals += 1;
    if (signals > 1) {
      supervised.kill();
      process.exit(1);
    }
    process.stderr.write(`\nbench: ${signal}, stopping the system...\n`);
    void stop().finally(() => process.exit(128 + (constants.signals[signal] ?? 0)));
  };
  for (const signal of handledSignals) process.on(signal, onSignal);
  // After the child's own kill (superviseChild): its data goes too, however the bench ends.
  process.on("exit", removeData);

  let stopping: Promise<void> | undefined;
  const stop = (): Promise<void> => {
    stopping ??= (async () => {
      await supervised.stop();
      await rm(dataDir, { recursive: true, force: true });
      process.off("exit", removeData);
      for (const signal of handledSignals) process.off(signal, onSignal);
    })();
    return stopping;
  };

  const system: RunningSystem = {
    gatewayUrl: `http://127.0.0.1:${gatewayPort}`,
    catalogUrl: `http://127.0.0.1:${catalogPort}`,
    internalSecret: env.INTERNAL_TOKEN_SECRET as string,
    dataDir,
    exitReason: supervised.exitReason,
    stop,
  };
  try {
    await waitUntilLive(system);
  } catch (error) {
    await stop();
    throw error;
  }
  return system;
}

async function waitUntilLive(system: RunningSystem): Promise<void> {
  const deadline = Date.now() + readyTimeoutMs;
  for (const base of [system.gatewayUrl, system.catalogUrl]) {
    const url = `${base}/health/live`;
    for (;;) {
      const exit = system.exitReason();
      if (exit) throw new Error(`the system ${exit} before it was ready`);
      if (await isLive(url)) break;
      if (Date.now() > deadline) throw new Error(`${url} not live after ${readyTimeoutMs} ms`);
      await delay(200);
    }
  }
}

async function isLive(url: string): Promise<boolean> {
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    await response.body?.cancel();
    return response.status === 200;
  } catch {
    return false;
  }
}

// Listening on port 0 lets the OS pick; holding all servers open at once keeps the ports distinct.
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(Array.from({ length: count }, () => listen(createServer())));
  const ports = servers.map((server) => {
    const address = server.address();
    if (address === null || typeof address === "string") throw new Error("no TCP port");
    return address.port;
  });
  await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  return ports;
}

function listen(server: Server): Promise<Server> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve(server));
  });
}
