// The startup section of `npm start`: the embedded system (`node --import tsx functions/start.ts`,
// PGlite and the embedded bus, every service in one process) started as a user starts it, with
// none of the developer's own settings, on free ports and a fresh temporary DATA_DIR, then a
// second time on the same DATA_DIR, as a user's second `npm start` is. Per start: the time from
// spawn until it is ready, its memory (Linux only: /proc), and that SIGTERM stops it cleanly.
//
// Ready is the banner ("slipway is running") a user waits for: start.ts prints it once every
// service and the gateway listen; the gateway's /health/ready (every service's readiness) must
// then answer 200, and the time it did is recorded too. Polling /health/ready from the spawn on
// would only add load to the process being measured.
//
//   const runs = await measureStartup(options); // StartRun[], a fresh and a warm start per round

import { type ChildProcess, spawn } from "node:child_process";
import { rmSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { READY_LINE } from "../test/e2e/system.js";
import { interruptible } from "./interrupt.js";
import { BenchFailure } from "./measure.js";
import type { BenchOptions } from "./options.js";
import { freePorts } from "./system.js";

const repoRoot = fileURLToPath(new URL("..", import.meta.url));
const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 10_000;
const SAMPLE_EVERY_MS = 100;
/** /proc is Linux's: elsewhere the memory figures are missing. */
export const memoryMeasured = process.platform === "linux";

// Settings of the developer's shell that would make it another system than `npm start`'s default.
const UNSET =
  /^(DATABASE_URL|DATA_DIR|PORT_.*|.*_URL|TOKEN_ISSUER|.*_SECRET|TRACES|OTEL_.*|BUS.*|LOG_.*|HOST)$/;

export type DataDir = "fresh" | "warm";

export interface StartRun {
  round: number;
  dataDir: DataDir;
  /** Spawn → the ready banner on stdout. */
  readyMs: number;
  /** Spawn → the gateway's /health/ready answered 200 (asked once the banner is out). */
  healthReadyMs: number;
  /** Peak RSS of the process tree up to ready: its processes' VmHWM, summed (MiB). */
  peakRssMiB: number;
  /** RSS of the process tree once ready (MiB). */
  readyRssMiB: number;
  /** Processes in the tree once ready. */
  processes: number;
  /** SIGTERM → exit. */
  stopMs: number;
  exit: { code: number | null; signal: NodeJS.Signals | null };
}

export function measureStartup(options: BenchOptions): Promise<StartRun[]> {
  return interruptible("startup", async (signal, atExit) => {
    const runs: StartRun[] = [];
    for (let round = 1; round <= options.startRounds; round++) {
      const dataDir = await mkdtemp(join(tmpdir(), "slipway-bench-start-"));
      const undo = () => rmSync(dataDir, { recursive: true, force: true });
      atExit.add(undo);
      try {
        for (const kind of ["fresh", "warm"] as const) {
          signal.throwIfAborted();
          const run = await startOnce(round, kind, dataDir, atExit);
          log(
            `round ${round} ${kind}: ready in ${(run.readyMs / 1000).toFixed(2)} s, ` +
              `peak ${run.peakRssMiB.toFixed(0)} MiB, stopped in ${run.stopMs.toFixed(0)} ms`,
          );
          runs.push(run);
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
        atExit.delete(undo);
      }
    }
    return runs;
  });
}

async function startOnce(
  round: number,
  dataDir: DataDir,
  folder: string,
  atExit: Set<() => void>,
): Promise<StartRun> {
  const names = ["PORT_GATEWAY", "PORT_CATALOG", "PORT_IDENTITY", "PORT_ORDERS", "PORT_PAYMENTS"];
  const ports = await freePorts(names.length);
  const env: NodeJS.ProcessEnv = {};
  for (const [name, value] of Object.entries(process.env)) if (!UNSET.test(name)) env[name] = value;
  names.forEach((name, i) => {
    env[name] = String(ports[i]);
  });
  env.DATA_DIR = folder;
  const gateway = `http://127.0.0.1:${ports[0]}`;

  const spawned = performance.now();
  const child = spawn(process.execPath, ["--import", "tsx", "functions/start.ts"], {
    cwd: repoRoot,
    env,
    stdio: ["ignore", "pipe", "pipe"],
    // Its own process group: a terminal's Ctrl-C reaches the bench, which stops it.
    detached: true,
  });
  const kill = () => child.kill("SIGKILL");
  atExit.add(kill);
  const exited = new Promise<StartRun["exit"]>((resolve) => {
    child.once("exit", (code, signal) => resolve({ code, signal }));
  });
  let output = "";
  const keep = (chunk: Buffer) => {
    // The tail is enough to say why it failed.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on("data", keep);
  child.stderr?.on("data", keep);
  const memory = sampleMemory(child);
  try {
    await Promise.race([
      untilLine(child, READY_LINE),
      exited.then((exit) => {
        throw new BenchFailure(`npm start exited before ready (${JSON.stringify(exit)})`);
      }),
      timeout(READY_TIMEOUT_MS, `npm start not ready after ${READY_TIMEOUT_MS} ms`),
    ]);
    const readyMs = performance.now() - spawned;
    const ready = await memory.stop();
    const health = await fetch(`${gateway}/health/ready`);
    const healthReadyMs = performance.now() - spawned;
    if (health.status !== 200) {
      throw new BenchFailure(`/health/ready answered ${health.status}: ${await health.text()}`);
    }
    await health.body?.cancel();
    const stopping = performance.now();
    child.kill("SIGTERM");
    const exit = await Promise.race([
      exited,
      timeout(STOP_TIMEOUT_MS, `npm start did not exit within ${STOP_TIMEOUT_MS} ms of SIGTERM`),
    ]);
    const stopMs = performance.now() - stopping;
    if (exit.code !== 0) throw new BenchFailure(`npm start stopped with ${JSON.stringify(exit)}`);
    return { round, dataDir, readyMs, healthReadyMs, ...ready, stopMs, exit };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new BenchFailure(`${message}\n${output}`);
  } finally {
    await memory.stop();
    if (child.exitCode === null && child.signalCode === null) {
      kill();
      await exited;
    }
    atExit.delete(kill);
  }
}

function untilLine(child: ChildProcess, line: string): Promise<void> {
  return new Promise((resolve) => {
    let seen = "";
    const check = (chunk: Buffer) => {
      const text = seen + chunk.toString();
      // Kept: enough of the end to find the line split across two chunks.
      seen = text.slice(-line.length);
      if (!text.includes(line)) return;
      child.stdout?.off("data", check);
      resolve();
    };
    child.stdout?.on("data", check);
  });
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => {
    setTimeout(() => reject(new BenchFailure(message)), ms).unref();
  });
}

interface Memory {
  peakRssMiB: number;
  readyRssMiB: number;
  processes: number;
}

/**
 * Samples the process tree's memory every 100 ms until stopped: the peak is the larger of the
 * summed VmHWM (each process's own high-water mark, kept by the kernel) and the largest summed
 * VmRSS sampled; the last sample is the RSS once ready.
 */
function sampleMemory(child: ChildProcess): { stop(): Promise<Memory> } {
  const none = { peakRssMiB: Number.NaN, readyRssMiB: Number.NaN, processes: Number.NaN };
  const pid = child.pid;
  if (!memoryMeasured || pid === undefined) return { stop: async () => none };
  let peak = 0;
  let last: { rss: number; hwm: number; processes: number } | undefined;
  let sampling: Promise<void> | undefined;
  const sample = () => {
    // One read of the tree at a time, however slow /proc answers on a loaded machine.
    sampling ??= treeMemory(pid)
      .then((memory) => {
        if (!memory) return;
        last = memory;
        peak = Math.max(peak, memory.rss, memory.hwm);
      })
      .finally(() => {
        sampling = undefined;
      });
  };
  sample();
  const timer = setInterval(sample, SAMPLE_EVERY_MS);
  let result: Promise<Memory> | undefined;
  return {
    stop: () => {
      result ??= (async () => {
        clearInterval(timer);
        await sampling;
        sample();
        await sampling;
        if (!last) return none;
        return { peakRssMiB: peak / 1024, readyRssMiB: last.rss / 1024, processes: last.processes };
      })();
      return result;
    },
  };
}

/** VmRSS and VmHWM (KiB) summed over `pid` and its descendants; undefined once it is gone. */
async function treeMemory(
  pid: number,
): Promise<{ rss: number; hwm: number; processes: number } | undefined> {
  const total = { rss: 0, hwm: 0, processes: 0 };
  const pending = [pid];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    try {
      const status = await readFile(`/proc/${next}/status`, "utf8");
      total.rss += kib(status, "VmRSS");
      total.hwm += kib(status, "VmHWM");
      total.processes += 1;
      for (const task of await readdir(`/proc/${next}/task`)) {
        const children = await readFile(`/proc/${next}/task/${task}/children`, "utf8");
        for (const id of children.split(" ").filter(Boolean)) pending.push(Number(id));
      }
    } catch {
      // Gone between the listing and the read.
      if (next === pid) return undefined;
    }
  }
  return total;
}

function kib(status: string, field: string): number {
  const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(status);
  return match ? Number(match[1]) : 0;
}

function log(line: string): void {
  process.stderr.write(`bench: startup: ${line}\n`);
}
