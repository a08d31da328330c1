// The paths' figures for the report: per endpoint and path the medians across rounds and their
// ratios to F, the hop ratios side by side (slipway and stock Connect against the REST hops),
// and every round; rendered as the first table of the markdown report.

import type { LoadResult } from "../load.js";
import { median } from "../stats.js";
import {
  type EndpointName,
  endpointNames,
  PAGE_SIZE,
  type PathName,
  type PathsOutcome,
  type PathsRun,
  PRODUCTS,
  pathDescriptions,
  pathNames,
} from "./paths.js";

interface Figures {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
}

/** Microseconds of CPU per request, median of rounds; undefined where it cannot be read. */
export interface CpuFigures {
  front: number;
  /** The service behind the front; undefined for F, which has none. */
  service: number | undefined;
  total: number;
}

export interface PathSummary {
  path: PathName;
  median: Figures;
  cpu: CpuFigures | undefined;
  /** This path's median over F's: < 1 for req/s and > 1 for latency is what it costs. */
  toF: { requestsPerSecond: number; p50: number; p99: number };
  rounds: LoadResult[];
}

export interface PathsSummary {
  database: string;
  load: PathsRun["load"];
  products: number;
  pageSize: number;
  descriptions: Record<PathName, string>;
  endpoints: {
    endpoint: EndpointName;
    request: string;
    paths: PathSummary[];
    /** req/s over req/s, measured side by side in the same rounds. */
    hops: {
      slipwayOverAgent: number;
      slipwayOverFetch: number;
      connectOverAgent: number;
      connectOverFetch: number;
      /** What the internal hop adds to F's p99, in ms: slipway's, and the REST hop's (agent). */
      slipwayP99AddedMs: number;
      agentP99AddedMs: number;
    };
  }[];
}

export type PathsReport = PathsSummary | { skipped: string };

export const endpointRequests: Record<EndpointName, string> = {
  get: "GET /v1/products/{id}",
  list: `GET /v1/products?limit=${PAGE_SIZE}`,
};

export function summarizePaths(outcome: PathsOutcome): PathsReport {
  if (!outcome.ok) return { skipped: outcome.why };
  const results = [...outcome.run.rounds];
  return {
    database: outcome.run.database,
    load: outcome.run.load,
    products: PRODUCTS,
    pageSize: PAGE_SIZE,
    descriptions: pathDescriptions,
    endpoints: endpointNames.map((endpoint) => {
      const medians = new Map(
        results
          .filter(([scenario]) => scenario.endpoint === endpoint)
          .map(([scenario, rounds]) => [scenario.path, { figures: mediansOf(rounds), rounds }]),
      );
      const rps = (path: PathName) => medians.get(path)?.figures.requestsPerSecond ?? Number.NaN;
      const p99 = (path: PathName) => medians.get(path)?.figures.p99Ms ?? Number.NaN;
      const f = medians.get("F")?.figures;
      return {
        endpoint,
        request: endpointRequests[endpoint],
        paths: pathNames.flatMap((path) => {
          const measured = medians.get(path);
          if (!measured) return [];
          const { figures, rounds } = measured;
          return [
            {
              path,
              median: figures,
              cpu: cpuOf(rounds),
              toF: {
                requestsPerSecond: figures.requestsPerSecond / (f?.requestsPerSecond ?? Number.NaN),
                p50: figures.p50Ms / (f?.p50Ms ?? Number.NaN),
                p99: figures.p99Ms / (f?.p99Ms ?? Number.NaN),
              },
              rounds,
            },
          ];
        }),
        hops: {
          slipwayOverAgent: rps("slipway") / rps("E′ agent"),
          slipwayOverFetch: rps("slipway") / rps("E′"),
          connectOverAgent: rps("E") / rps("E′ agent"),
          connectOverFetch: rps("E") / rps("E′"),
          slipwayP99AddedMs: p99("slipway") - p99("F"),
          agentP99AddedMs: p99("E′ agent") - p99("F"),
        },
      };
    }),
  };
}

function mediansOf(rounds: LoadResult[]): Figures {
  return {
    requestsPerSecond: median(rounds.map((r) => r.requestsPerSecond)),
    p50Ms: median(rounds.map((r) => r.p50Ms)),
    p99Ms: median(rounds.map((r) => r.p99Ms)),
  };
}

function cpuOf(rounds: LoadResult[]): CpuFigures | undefined {
  const measured = rounds.flatMap((round) => (round.cpu ? [round.cpu] : []));
  if (measured.length === 0 || measured.length !== rounds.length) return undefined;
  const at = (i: number) => median(measured.map((cpu) => cpu[i]?.usPerRequest ?? Number.NaN));
  const service = (measured[0]?.length ?? 0) > 1 ? at(1) : undefined;
  const total = median(
    measured.map((cpu) => cpu.reduce((sum, process) => sum + process.usPerRequest, 0)),
  );
  return { front: at(0), service, total };
}

export function renderPathsMarkdown(report: PathsReport): string[] {
  const title = "## Paths: F, E′, E and slipway";
  if ("skipped" in report) return [title, "", `**SKIPPED**: ${report.skipped}`];
  const { connections, rounds, durationSeconds, warmupSeconds } = report.load;
  const warmup = warmupSeconds > 0 ? `after ${warmupSeconds} s warm-up` : "no warm-up";
  return [
    title,
    "",
    `${connections} connections · ${rounds} round(s) of ${durationSeconds} s per path and ` +
      `endpoint, interleaved, ${warmup} · ${report.database}, ${report.products} products · ` +
      "each server its own process on 127.0.0.1 · median of rounds",
    "",
    "| request | path | req/s | p50 (ms) | p99 (ms) | req/s ÷ F | p50 ÷ F | p99 ÷ F |",
    "|---|---|--:|--:|--:|--:|--:|--:|",
    ...report.endpoints.flatMap(({ request, paths }) =>
      paths.map(
        ({ path, median: m, toF }) =>
          `| ${request} | ${path} | ${fixed(m.requestsPerSecond, 0)} | ${fixed(m.p50Ms, 2)} | ` +
          `${fixed(m.p99Ms, 2)} | ${fixed(toF.requestsPerSecond, 2)}× | ${fixed(toF.p50, 2)}× | ` +
          `${fixed(toF.p99, 2)}× |`,
      ),
    ),
    "",
    "Hops side by side, req/s ÷ req/s in the same rounds, and what the internal hop adds to F's p99:",
    "",
    "| request | slipway ÷ E′ agent | slipway ÷ E′ | E ÷ E′ agent | E ÷ E′ | p99 added: slipway | p99 added: E′ agent |",
    "|---|--:|--:|--:|--:|--:|--:|",
    ...report.endpoints.map(
      ({ request, hops }) =>
        `| ${request} | ${fixed(hops.slipwayOverAgent, 2)}× | ${fixed(hops.slipwayOverFetch, 2)}× | ` +
        `${fixed(hops.connectOverAgent, 2)}× | ${fixed(hops.connectOverFetch, 2)}× | ` +
        `${fixed(hops.slipwayP99AddedMs, 1)} ms | ${fixed(hops.agentP99AddedMs, 1)} ms |`,
    ),
    "",
    ...renderCpu(report),
    ...pathNames.map((path) => `- **${path}**: ${report.descriptions[path]}`),
    "",
    "Rounds:",
    "",
    "| round | request | path | req/s | p50 (ms) | p99 (ms) | requests |",
    "|--:|---|---|--:|--:|--:|--:|",
    ...report.endpoints.flatMap(({ request, paths }) =>
      paths.flatMap(({ path, rounds: results }) =>
        results.map(
          (r, i) =>
            `| ${i + 1} | ${request} | ${path} | ${fixed(r.requestsPerSecond, 0)} | ` +
            `${fixed(r.p50Ms, 2)} | ${fixed(r.p99Ms, 2)} | ${r.requests} |`,
        ),
      ),
    ),
  ];
}

/** CPU per request of each server, where the runs could read it (Linux). */
function renderCpu(report: PathsSummary): string[] {
  const rows = report.endpoints.flatMap(({ request, paths }) => {
    const f = paths.find(({ path }) => path === "F")?.cpu?.total ?? Number.NaN;
    return paths.flatMap(({ path, cpu }) =>
      cpu
        ? [
            `| ${request} | ${path} | ${fixed(cpu.front, 0)} | ` +
              `${cpu.service === undefined ? "—" : fixed(cpu.service, 0)} | ${fixed(cpu.total, 0)} | ` +
              `${fixed(cpu.total / f, 2)}× |`,
          ]
        : [],
    );
  });
  if (rows.length === 0) return [];
  return [
    "CPU per request, in µs (median of rounds): each server process, all its threads, user and " +
      "system, over the requests it answered; the front is F itself or the gateway, the service " +
      "the one it calls; Postgres and the load generator not included:",
    "",
    "| request | path | front | service | both | ÷ F |",
    "|---|---|--:|--:|--:|--:|",
    ...rows,
    "",
  ];
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
