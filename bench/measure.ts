// Warm-up, then rounds interleaved A B C A B C ... so that drift (CPU heat, JIT, GC, DB caches)
// hits every scenario alike. A round with any failed request aborts the run.

import { failureOf, type LoadResult, runLoad } from "./load.js";
import type { BenchOptions } from "./options.js";
import { processCpuMs } from "./process-cpu.js";

export class BenchFailure extends Error {}

/** One request under load: the gateway section's scenarios, the paths' (path, endpoint) pairs. */
export interface Measurable {
  name: string;
  /** What serves it: a run is void once it has exited. */
  system: { exitReason(): string | undefined };
  /** The server processes serving it, each run's CPU per request is read for (Linux only). */
  processes?: readonly { name: string; pid: number }[];
  /** Called before each load run: credentials in it live a minute at most. */
  request: () => Promise<{
    url: string;
    method: "GET" | "POST";
    headers?: Record<string, string>;
    body?: string | Buffer;
  }>;
}

/** No warm-up with `warmupSeconds: 0`. */
export async function measure<Scenario extends Measurable>(
  scenarios: Scenario[],
  options: Pick<BenchOptions, "rounds" | "durationSeconds" | "warmupSeconds" | "connections">,
): Promise<Map<Scenario, LoadResult[]>> {
  for (const scenario of options.warmupSeconds > 0 ? scenarios : []) {
    log(`warm-up ${scenario.name} ${options.warmupSeconds} s`);
    await load(scenario, options, options.warmupSeconds, "warm-up");
  }
  const rounds = new Map(scenarios.map((scenario) => [scenario, [] as LoadResult[]]));
  for (let round = 1; round <= options.rounds; round++) {
    for (const scenario of scenarios) {
      const phase = `round ${round}/${options.rounds}`;
      const result = await load(scenario, options, options.durationSeconds, phase);
      rounds.get(scenario)?.push(result);
      log(
        `${phase} ${scenario.name}: ${result.requestsPerSecond.toFixed(0)} req/s, ` +
          `p50 ${result.p50Ms.toFixed(2)} ms, p99 ${result.p99Ms.toFixed(2)} ms`,
      );
    }
  }
  return rounds;
}

async function load(
  scenario: Measurable,
  options: Pick<BenchOptions, "connections">,
  durationSeconds: number,
  phase: string,
): Promise<LoadResult> {
  const processes = scenario.processes ?? [];
  const request = await scenario.request();
  const cpuBefore = await Promise.all(processes.map(({ pid }) => processCpuMs(pid)));
  const loaded = await runLoad({ ...request, connections: options.connections, durationSeconds });
  const cpuAfter = await Promise.all(processes.map(({ pid }) => processCpuMs(pid)));
  const result: LoadResult = { ...loaded };
  if (processes.length > 0 && loaded.requests > 0) {
    const used = processes.map(({ name }, i) => {
      const [before, after] = [cpuBefore[i], cpuAfter[i]];
      if (before === undefined || after === undefined) return undefined;
      return { name, usPerRequest: ((after - before) * 1000) / loaded.requests };
    });
    if (used.every((cpu) => cpu !== undefined)) result.cpu = used;
  }
  const failure = failureOf(result);
  const exit = scenario.system.exitReason();
  if (failure !== undefined || exit !== undefined || result.requests === 0) {
    const why = [failure, exit && `the system ${exit}`, result.requests === 0 && "no responses"];
    throw new BenchFailure(`${scenario.name} ${phase}: ${why.filter(Boolean).join("; ")}`);
  }
  return result;
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
