// Load generator: one bounded autocannon run against one URL, reduced to the figures we report.
//
//   const r = await runLoad({ url, method: "GET", connections: 50, durationSeconds: 10 });
//   r.requestsPerSecond; r.p50Ms; r.non2xx;

import { createRequire } from "node:module";
import { percentile } from "./stats.js";

export interface LoadOptions {
  url: string;
  method: "GET" | "POST";
  headers?: Record<string, string>;
  body?: string | Buffer;
  connections: number;
  durationSeconds: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
  durationSeconds: number;
  /**
   * CPU each server process used per answered request in this run, in microseconds, where
   * the scenario names its processes and they can be read (measure.ts).
   */
  cpu?: { name: string; usPerRequest: number }[];
}

// Only the part of autocannon's API used here (it ships no types).
interface AutocannonResult {
  requests: { average: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  statusCodeStats: Record<string, { count: number }>;
  duration: number;
}
interface AutocannonInstance extends PromiseLike<AutocannonResult> {
  on(
    event: "response",
    listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void,
  ): void;
}
interface AutocannonOptions {
  url: string;
  method: string;
  headers: Record<string, string>;
  body?: string | Buffer;
  connections: number;
  duration: number;
}
type Autocannon = (opts: AutocannonOptions) => AutocannonInstance;

const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  const instance = autocannon({
    url: options.url,
    method: options.method,
    headers: options.headers ?? {},
    connections: options.connections,
    duration: options.durationSeconds,
    ...(options.body === undefined ? {} : { body: options.body }),
  });
  // autocannon's own histogram keeps whole milliseconds; sub-millisecond latencies on loopback
  // need the raw per-response times to give a meaningful p50.
  const latencies: number[] = [];
  instance.on("response", (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  const result = await instance;
  const sorted = Float64Array.from(latencies).sort();
  const statusCodes: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(result.statusCodeStats)) {
    statusCodes[code] = count;
  }
  return {
    requestsPerSecond: result.requests.average,
    p50Ms: percentile(sorted, 50),
    p99Ms: percentile(sorted, 99),
    requests: sorted.length,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    statusCodes,
    durationSeconds: result.duration,
  };
}

export function failureOf(result: LoadResult): string | undefined {
  if (result.non2xx === 0 && result.errors === 0) return undefined;
  return `${result.non2xx} non-2xx responses, ${result.errors} errors (${result.timeouts} timeouts); status codes ${JSON.stringify(result.statusCodes)}`;
}
