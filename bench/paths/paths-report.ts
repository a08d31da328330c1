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

export interface PathSummary {
  path: PathName;
  median: Figures;
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
    "Hops side by side, req/s ÷ req/s in the same rounds:",
    "",
    "| request | slipway ÷ E′ agent | slipway ÷ E′ | E ÷ E′ agent | E ÷ E′ |",
    "|---|--:|--:|--:|--:|",
    ...report.endpoints.map(
      ({ request, hops }) =>
        `| ${request} | ${fixed(hops.slipwayOverAgent, 2)}× | ${fixed(hops.slipwayOverFetch, 2)}× | ` +
        `${fixed(hops.connectOverAgent, 2)}× | ${fixed(hops.connectOverFetch, 2)}× |`,
    ),
    "",
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

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
