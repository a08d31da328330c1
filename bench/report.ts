// The bench report: first the paths (F, E′, E, slipway) with their ratios to F; then medians
// across rounds per scenario, the connect/gateway ratio, what tracing
// costs the gateway (traced ÷ TRACES=off), the events
// figures per bus transport, the order saga's figures per setup, and where it ran. Rendered as
// markdown (stdout and results/<kind>.md) and JSON (results/<kind>.json); a run of some sections
// only writes results/<kind>-<sections>.*.

import { rename, writeFile } from "node:fs/promises";
import { availableParallelism, cpus, totalmem } from "node:os";
import { type ColdStartsReport, renderColdStartsMarkdown } from "./cold-starts-report.js";
import type { TransportResult } from "./events.js";
import { renderEventsMarkdown } from "./events-report.js";
import type { LoadResult } from "./load.js";
import { type BenchOptions, sectionNames } from "./options.js";
import type { SetupResult } from "./orders.js";
import { renderOrdersMarkdown } from "./orders-report.js";
import { type PathsReport, renderPathsMarkdown } from "./paths/paths-report.js";
import type { Scenario } from "./scenarios.js";
import { renderStartupMarkdown, type StartupReport } from "./startup-report.js";
import { median } from "./stats.js";

export interface ScenarioSummary {
  name: string;
  description: string;
  median: { requestsPerSecond: number; p50Ms: number; p99Ms: number };
  rounds: LoadResult[];
}

export interface BenchReport {
  kind: "full" | "smoke";
  date: string;
  machine: { node: string; platform: string; cpuModel: string; cores: number; memoryGiB: number };
  options: BenchOptions & { database: "pglite"; host: "127.0.0.1" };
  /** F, E′, E and slipway's path per endpoint, with ratios to F (paths/paths-report.ts). */
  paths?: PathsReport;
  scenarios: ScenarioSummary[];
  // Second scenario over first (connect / gateway): > 1 for req/s and < 1 for latency mean
  // the direct call is faster.
  ratio: { requestsPerSecond: number; p50: number; p99: number };
  /**
   * The gateway scenario with tracing (spans to files, as `npm start` runs) over the same on a
   * system with TRACES=off: < 1 for req/s and > 1 for latency is what tracing costs.
   */
  tracingOverhead?: { requestsPerSecond: number; p50: number; p99: number };
  /** Events end to end per bus transport (events-report.ts says how they are taken). */
  events: TransportResult[];
  /** The order saga, placed → CONFIRMED, per setup (orders-report.ts says how). */
  orders: SetupResult[];
  /** Every Lambda bundle's size and cold start, against an empty handler's (cold-starts.ts). */
  coldStarts?: ColdStartsReport;
  /** `npm start` until ready, fresh and warm DATA_DIR (startup.ts). */
  startup?: StartupReport;
}

export function buildReport(
  options: BenchOptions,
  paths: PathsReport | undefined,
  rounds: Map<Scenario, LoadResult[]>,
  events: TransportResult[],
  orders: SetupResult[],
  starts: { coldStarts?: ColdStartsReport; startup?: StartupReport } = {},
): BenchReport {
  const scenarios = [...rounds].map(([scenario, results]) => ({
    name: scenario.name,
    description: scenario.description,
    median: {
      requestsPerSecond: median(results.map((r) => r.requestsPerSecond)),
      p50Ms: median(results.map((r) => r.p50Ms)),
      p99Ms: median(results.map((r) => r.p99Ms)),
    },
    rounds: results,
  }));
  const [a, b] = scenarios;
  const ratio = (pick: (s: ScenarioSummary) => number) => (a && b ? pick(b) / pick(a) : Number.NaN);
  const traced = scenarios.find((s) => s.name === "gateway");
  const untraced = scenarios.find((s) => s.name === "gateway-traces-off");
  const overhead = (pick: (s: ScenarioSummary) => number) =>
    traced && untraced ? pick(traced) / pick(untraced) : Number.NaN;
  return {
    kind: options.smoke ? "smoke" : "full",
    date: new Date().toISOString(),
    machine: {
      node: process.version,
      platform: `${process.platform}-${process.arch}`,
      cpuModel: cpus()[0]?.model.trim() ?? "unknown",
      cores: availableParallelism(),
      memoryGiB: Math.round(totalmem() / 2 ** 30),
    },
    options: { ...options, database: "pglite", host: "127.0.0.1" },
    ...(paths ? { paths } : {}),
    scenarios,
    ratio: {
      requestsPerSecond: ratio((s) => s.median.requestsPerSecond),
      p50: ratio((s) => s.median.p50Ms),
      p99: ratio((s) => s.median.p99Ms),
    },
    ...(traced && untraced
      ? {
          tracingOverhead: {
            requestsPerSecond: overhead((s) => s.median.requestsPerSecond),
            p50: overhead((s) => s.median.p50Ms),
            p99: overhead((s) => s.median.p99Ms),
          },
        }
      : {}),
    events,
    orders,
    ...(starts.coldStarts ? { coldStarts: starts.coldStarts } : {}),
    ...(starts.startup ? { startup: starts.startup } : {}),
  };
}

export function renderMarkdown(report: BenchReport): string {
  const { machine, options } = report;
  const lines = [
    `# slipway bench${report.kind === "smoke" ? " (smoke)" : ""}`,
    "",
    `${report.date} · Node ${machine.node} · ${machine.platform} · ${machine.cpuModel} · ` +
      `${machine.cores} cores · ${machine.memoryGiB} GiB`,
    ...(partial(options) ? [`Sections run: ${options.sections.join(", ")}`] : []),
    "",
    ...(report.paths ? [...renderPathsMarkdown(report.paths), ""] : []),
    ...(options.sections.includes("gateway") ? [...renderGatewayMarkdown(report), ""] : []),
    ...(options.sections.includes("events")
      ? [...renderEventsMarkdown(report.events, options), ""]
      : []),
    ...(options.sections.includes("orders")
      ? [...renderOrdersMarkdown(report.orders, options), ""]
      : []),
    ...(report.coldStarts ? [...renderColdStartsMarkdown(report.coldStarts), ""] : []),
    ...(report.startup ? renderStartupMarkdown(report.startup) : []),
  ];
  return `${lines.join("\n").trimEnd()}\n`;
}

function renderGatewayMarkdown(report: BenchReport): string[] {
  const { options } = report;
  const [a, b] = report.scenarios;
  return [
    "## Gateway hop and tracing (`npm start`, PGlite)",
    "",
    `${options.connections} connections · ${options.rounds} round(s) of ${options.durationSeconds} s ` +
      `per scenario, interleaved, after ${options.warmupSeconds} s warm-up · PGlite · median of rounds`,
    "",
    "| scenario | req/s | p50 (ms) | p99 (ms) |",
    "|---|--:|--:|--:|",
    ...report.scenarios.map(
      (s) =>
        `| ${s.name} | ${fixed(s.median.requestsPerSecond, 0)} | ${fixed(s.median.p50Ms, 2)} | ` +
        `${fixed(s.median.p99Ms, 2)} |`,
    ),
    `| ${b?.name ?? "B"} / ${a?.name ?? "A"} | ${fixed(report.ratio.requestsPerSecond, 2)}× | ` +
      `${fixed(report.ratio.p50, 2)}× | ${fixed(report.ratio.p99, 2)}× |`,
    "",
    ...report.scenarios.map((s) => `- **${s.name}**: ${s.description}`),
    "",
    ...renderTracingOverhead(report),
    "Rounds:",
    "",
    "| round | scenario | req/s | p50 (ms) | p99 (ms) | requests |",
    "|--:|---|--:|--:|--:|--:|",
    ...report.scenarios.flatMap((s) =>
      s.rounds.map(
        (r, i) =>
          `| ${i + 1} | ${s.name} | ${fixed(r.requestsPerSecond, 0)} | ${fixed(r.p50Ms, 2)} | ` +
          `${fixed(r.p99Ms, 2)} | ${r.requests} |`,
      ),
    ),
  ];
}

function renderTracingOverhead(report: BenchReport): string[] {
  const overhead = report.tracingOverhead;
  if (!overhead) return [];
  const percent = (ratio: number) =>
    Number.isFinite(ratio)
      ? `${ratio >= 1 ? "+" : "−"}${Math.abs((ratio - 1) * 100).toFixed(1)} %`
      : "n/a";
  return [
    "Tracing overhead: gateway (spans to DATA_DIR/traces, as `npm start` runs) ÷ gateway-traces-off " +
      "(TRACES=off, no SDK), rounds interleaved, median of rounds:",
    "",
    "| tracing on / off | req/s | p50 | p99 |",
    "|---|--:|--:|--:|",
    `| ratio | ${fixed(overhead.requestsPerSecond, 3)}× | ${fixed(overhead.p50, 3)}× | ${fixed(overhead.p99, 3)}× |`,
    `| change | ${percent(overhead.requestsPerSecond)} | ${percent(overhead.p50)} | ${percent(overhead.p99)} |`,
    "",
  ];
}

const partial = (options: BenchOptions) => options.sections.length < sectionNames.length;

// Smoke runs, and runs of some sections only, get their own files so they never replace a full
// run's figures.
export async function writeReport(report: BenchReport): Promise<string[]> {
  const { options } = report;
  const kind = report.kind === "smoke" ? "smoke" : "latest";
  const sections = sectionNames.filter((name) => options.sections.includes(name));
  const base = partial(options) ? `${kind}-${sections.join("-")}` : kind;
  const files: [string, string][] = [
    [`${base}.md`, renderMarkdown(report)],
    [`${base}.json`, `${JSON.stringify(report, null, 2)}\n`],
  ];
  for (const [name, content] of files) {
    const target = new URL(`./results/${name}`, import.meta.url);
    const temporary = new URL(`./results/${name}.tmp`, import.meta.url);
    await writeFile(temporary, content);
    await rename(temporary, target);
  }
  return files.map(([name]) => `bench/results/${name}`);
}

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
