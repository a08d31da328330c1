// The coldstart section's figures for the report: per Lambda entry its bundle's size, the medians
// across rounds of import, first invocation and both together, that total less the empty
// handler's, and whether it meets the targets (bundle ≤ 250 KB, import + first invocation
// ≤ 100 ms median). Figures for the report, never a test.

import { type ColdStartsOutcome, type ColdStartTiming, EMPTY } from "./cold-starts.js";
import { median } from "./stats.js";

export const COLD_START_TARGETS = { bytes: 250_000, totalMs: 100 };

export interface EntrySummary {
  name: string;
  bytes: number;
  gzipBytes: number;
  totalBytes: number;
  firstExport: string;
  median: ColdStartTiming;
  /** Median total less the empty handler's median total: what the entry itself costs. */
  overEmptyMs: number;
  meets: { bytes: boolean; totalMs: boolean };
  rounds: ColdStartTiming[];
}

export type ColdStartsReport =
  | {
      database: string;
      rounds: number;
      left: string[];
      targets: typeof COLD_START_TARGETS;
      entries: EntrySummary[];
    }
  | { skipped: string };

export function summarizeColdStarts(outcome: ColdStartsOutcome): ColdStartsReport {
  if (!outcome.ok) return { skipped: outcome.why };
  const { database, rounds, left, entries } = outcome.run;
  const medians = (timings: ColdStartTiming[]): ColdStartTiming => ({
    importMs: median(timings.map((t) => t.importMs)),
    firstInvocationMs: median(timings.map((t) => t.firstInvocationMs)),
    totalMs: median(timings.map((t) => t.totalMs)),
  });
  const empty = entries.find((entry) => entry.name === EMPTY);
  const floor = empty ? medians(empty.rounds).totalMs : Number.NaN;
  return {
    database,
    rounds,
    left,
    targets: COLD_START_TARGETS,
    entries: entries.map((entry) => {
      const figures = medians(entry.rounds);
      return {
        ...entry,
        median: figures,
        overEmptyMs: figures.totalMs - floor,
        meets: {
          bytes: entry.bytes <= COLD_START_TARGETS.bytes,
          totalMs: figures.totalMs <= COLD_START_TARGETS.totalMs,
        },
      };
    }),
  };
}

export function renderColdStartsMarkdown(report: ColdStartsReport): string[] {
  const title = "## Cold start: every Lambda entry against an empty handler";
  if ("skipped" in report) return [title, "", `**SKIPPED**: ${report.skipped}`];
  const { bytes, totalMs } = report.targets;
  const measured = report.entries.filter((entry) => entry.name !== EMPTY);
  const met = (pick: (entry: EntrySummary) => boolean) =>
    `${measured.filter(pick).length} of ${measured.length}`;
  return [
    title,
    "",
    `${report.rounds} round(s), interleaved (every entry, then the empty handler) · each a fresh ` +
      "`node` importing the bundle and invoking it once with the event AWS sends · " +
      `${report.database}, migrated before the rounds · median of rounds`,
    "",
    `Targets: bundle ≤ ${kb(bytes)} KB (${bytes.toLocaleString("en-US")} bytes, the entry and its ` +
      `static imports, uncompressed); import + first invocation ≤ ${totalMs} ms median. ` +
      `Met: size ${met((e) => e.meets.bytes)}, time ${met((e) => e.meets.totalMs)}.`,
    "",
    "| entry | bytes | gzip | import (ms) | 1st invocation (ms) | total (ms) | total − empty (ms) | ≤ 250 KB | ≤ 100 ms |",
    "|---|--:|--:|--:|--:|--:|--:|:-:|:-:|",
    ...report.entries.map((entry) => {
      const m = entry.median;
      const isEmpty = entry.name === EMPTY;
      return (
        `| ${isEmpty ? `*${entry.name}*` : entry.name} | ${kb(entry.bytes)} KB | ` +
        `${kb(entry.gzipBytes)} KB | ${fixed(m.importMs, 0)} | ${fixed(m.firstInvocationMs, 0)} | ` +
        `${fixed(m.totalMs, 0)} | ${isEmpty ? "—" : fixed(entry.overEmptyMs, 0)} | ` +
        `${isEmpty ? "" : mark(entry.meets.bytes)} | ${isEmpty ? "" : mark(entry.meets.totalMs)} |`
      );
    }),
    "",
    "- **import**: from `import()` until the module and its top-level awaits are done (config, " +
      "database pool, bus, tracing); **1st invocation**: the first export's first call " +
      "(`/health/live` for APIs, an unhandled SQS record for consumers, a scheduled event for " +
      "jobs, a no-op deploy for the migrator). Not included: Node's own start before `import()` " +
      "and what Lambda adds (downloading the code, the runtime's bootstrap).",
    ...(report.left.length > 0 ? [`- Not measured in this run: ${report.left.join(", ")}.`] : []),
  ];
}

const kb = (bytes: number) => (bytes / 1000).toFixed(bytes < 10_000 ? 1 : 0);
const mark = (ok: boolean) => (ok ? "yes" : "**no**");

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
