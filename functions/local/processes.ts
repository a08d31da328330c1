/**
 * The child processes of `npm run start:local`: one per service instance, each a Node process
 * running run-service.ts, its output lines tagged with its name (`catalog.2 | …`), its
 * readiness reported over IPC.
 *
 * @example
 * const catalog = spawnInstance({ name: "catalog.1", service: "catalog", env });
 * const { url, pid } = await catalog.ready;
 * await stopInstances([catalog], 10_000);
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import type { ProcessName, ReadyMessage } from "./run-service.js";

const ENTRY = fileURLToPath(new URL("./run-service.ts", import.meta.url));

export interface Exit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export interface Instance {
  /** `catalog.2`: the service and which replica. */
  name: string;
  child: ChildProcess;
  /** Resolves once it listens; rejects if it exits first. */
  ready: Promise<ReadyMessage>;
  exited: Promise<Exit>;
}

export interface SpawnOptions {
  name: string;
  service: ProcessName;
  env: NodeJS.ProcessEnv;
  /** Width the names are padded to, so tagged lines line up. */
  tagWidth?: number;
}

export function spawnInstance({ name, service, env, tagWidth = 0 }: SpawnOptions): Instance {
  const child = spawn(process.execPath, [...process.execArgv, ENTRY, service], {
    env,
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  const tag = `${name.padEnd(tagWidth)} | `;
  for (const [from, to] of [
    [child.stdout, process.stdout],
    [child.stderr, process.stderr],
  ] as const) {
    if (!from) continue;
    createInterface({ input: from, crlfDelay: Number.POSITIVE_INFINITY }).on("line", (line) =>
      to.write(`${tag}${line}\n`),
    );
  }
  const exited = new Promise<Exit>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  const ready = new Promise<ReadyMessage>((resolve, reject) => {
    child.on("message", (message: ReadyMessage) => {
      if (message?.type === "ready") resolve(message);
    });
    exited.then((exit) =>
      reject(new Error(`${name} exited before it was ready (${describeExit(exit)})`)),
    );
  });
  // Whoever waits on `ready` sees the failure; nobody waiting is not a crash.
  ready.catch(() => {});
  return { name, child, ready, exited };
}

/**
 * Sends SIGTERM to every instance still running and waits for all to exit; those still there
 * after `timeoutMs` get SIGKILL. Resolves with the instances that did not exit cleanly.
 */
export async function stopInstances(instances: readonly Instance[], timeoutMs: number) {
  const alive = (instance: Instance) =>
    instance.child.exitCode === null && instance.child.signalCode === null;
  for (const instance of instances) if (alive(instance)) instance.child.kill("SIGTERM");
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<void>((resolve) => {
    timer = setTimeout(resolve, timeoutMs);
  });
  await Promise.race([Promise.all(instances.map((instance) => instance.exited)), timedOut]);
  clearTimeout(timer);
  const killed = instances.filter(alive);
  for (const instance of killed) instance.child.kill("SIGKILL");
  await Promise.all(instances.map((instance) => instance.exited));
  const unclean: string[] = [];
  for (const instance of instances) {
    const exit = await instance.exited;
    if (killed.includes(instance)) unclean.push(`${instance.name} (killed after ${timeoutMs} ms)`);
    else if (exit.code !== 0 && exit.signal !== "SIGTERM") {
      unclean.push(`${instance.name} (${describeExit(exit)})`);
    }
  }
  return unclean;
}

export const describeExit = ({ code, signal }: Exit) =>
  signal ? `signal ${signal}` : `exit code ${code}`;

/** A TCP port that was free a moment ago, for a replica beyond the first. */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
