/**
 * Runs the whole system as `npm start` does (functions/start.ts under tsx) in a child process,
 * for end-to-end tests. Every process started here is tracked, so `killAllSystems()` in an
 * `afterEach`/`afterAll` cleans up even when a test fails half-way.
 *
 * @example
 * const system = spawnSystem({ PORT_GATEWAY: String(await freePort()), DATA_DIR: dir });
 * await system.waitUntilRunning();
 * expect(await system.stop()).toEqual({ code: 0, signal: null });
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const READY_LINE = "slipway is running";

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface SystemProcess {
  readonly stdout: string;
  readonly stderr: string;
  readonly exited: Promise<Exit>;
  /** Resolves once the ready banner is printed; rejects if the process exits or time runs out. */
  waitUntilRunning(timeoutMs?: number): Promise<void>;
  /** Sends `signal` (Ctrl-C by default) and waits for the exit; SIGKILLs after `timeoutMs`. */
  stop(signal?: NodeJS.Signals, timeoutMs?: number): Promise<Exit>;
}

// Variables that would leak the developer's own setup into the system under test.
const CONTROLLED = [
  "DATABASE_URL",
  "DATA_DIR",
  "PORT_GATEWAY",
  "PORT_CATALOG",
  "PORT_IDENTITY",
  "PORT_ORDERS",
  "PORT_PAYMENTS",
  "IDENTITY_KEY_SECRET",
  "INTERNAL_TOKEN_SECRET",
  "TOKEN_ISSUER",
  "CATALOG_URL",
  "IDENTITY_URL",
  "ORDERS_URL",
  "PAYMENTS_URL",
  "TRACES",
  "LOG_FORMAT",
  "BUS",
  "BUS_NAMESPACE",
  "BUS_MAX_RECEIVE_COUNT",
  "RABBITMQ_URL",
  "AWS_ENDPOINT_URL",
];

const running = new Set<ChildProcess>();

/** A TCP port that was free a moment ago. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A free port for every service, as `PORT_*` variables, so systems never share one. */
export async function servicePorts(): Promise<Record<string, string>> {
  const names = ["PORT_GATEWAY", "PORT_IDENTITY", "PORT_CATALOG", "PORT_ORDERS", "PORT_PAYMENTS"];
  const ports: Record<string, string> = {};
  for (const name of names) {
    let port = String(await freePort());
    // The OS may hand the same ephemeral port out twice in a row.
    while (Object.values(ports).includes(port)) port = String(await freePort());
    ports[name] = port;
  }
  return ports;
}

export function spawnSystem(env: Record<string, string>): SystemProcess {
  const base = { ...process.env };
  for (const name of CONTROLLED) delete base[name];
  const child = spawn(process.execPath, ["--import", "tsx", "functions/start.ts"], {
    cwd: REPO_ROOT,
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  running.add(child);
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
    });
  });

  return {
    get stdout() {
      return stdout;
    },
    get stderr() {
      return stderr;
    },
    exited,
    waitUntilRunning: (timeoutMs = 60_000) =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`not running after ${timeoutMs} ms\n${stdout}\n${stderr}`)),
          timeoutMs,
        );
        const check = () => {
          if (!stdout.includes(READY_LINE)) return;
          clearTimeout(timer);
          child.stdout.off("data", check);
          resolve();
        };
        child.stdout.on("data", check);
        check();
        exited.then((exit) => {
          clearTimeout(timer);
          reject(new Error(`exited before running: ${JSON.stringify(exit)}\n${stderr}`));
        });
      }),
    stop: async (signal = "SIGINT", timeoutMs = 10_000) => {
      child.kill(signal);
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), timeoutMs);
      });
      const outcome = await Promise.race([exited, timedOut]);
      clearTimeout(timer);
      if (outcome === "timeout") {
        child.kill("SIGKILL");
        await exited;
        throw new Error(`did not exit within ${timeoutMs} ms of ${signal}\n${stderr}`);
      }
      return outcome;
    },
  };
}

/** SIGKILLs every system process still running and waits for them to go. */
export async function killAllSystems(): Promise<void> {
  const children = [...running];
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGKILL");
        }),
    ),
  );
}
