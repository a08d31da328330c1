// The startup section's figures for the report: per data directory (fresh, warm) the medians
// across rounds of the time to ready and the memory, next to the targets (ready ≤ 10 s,
// ≤ 1.5 GB RSS with all services), and every start. Figures for the report, never a test.

import { type DataDir, memoryMeasured, type StartRun } from "./startup.js";
import { median } from "./stats.js";

export const STARTUP_TARGETS = { readyMs: 10_000, rssMiB: 1536 };

export interface StartupSummary {
  dataDir: DataDir;
  median: { readyMs: number; healthReadyMs: number; peakRssMiB: number; readyRssMiB: number };
  meets: { readyMs: boolean; rssMiB: boolean };
}

export interface StartupReport {
  targets: typeof STARTUP_TARGETS;
  memoryMeasured: boolean;
  summaries: StartupSummary[];
  runs: StartRun[];
}

export function summarizeStartup(runs: StartRun[]): StartupReport {
  const summaries = (["fresh", "warm"] as const).flatMap((dataDir) => {
    const of = runs.filter((run) => run.dataDir === dataDir);
    if (of.length === 0) return [];
    const m = (pick: (run: StartRun) => number) => median(of.map(pick));
    const medians = {
      readyMs: m((run) => run.readyMs),
      healthReadyMs: m((run) => run.healthReadyMs),
      peakRssMiB: m((run) => run.peakRssMiB),
      readyRssMiB: m((run) => run.readyRssMiB),
    };
    return [
      {
        dataDir,
        median: medians,
        meets: {
          readyMs: medians.readyMs <= STARTUP_TARGETS.readyMs,
          rssMiB: medians.peakRssMiB <= STARTUP_TARGETS.rssMiB,
        },
      },
    ];
  });
  return { targets: STARTUP_TARGETS, memoryMeasured, summaries, runs };
}

const DESCRIPTIONS: Record<DataDir, string> = {
  fresh: "first start, empty DATA_DIR",
  warm: "second start, same DATA_DIR",
};

export function renderStartupMarkdown(report: StartupReport): string[] {
  const rounds = report.runs.filter((run) => run.dataDir === "fresh").length;
  const { readyMs, rssMiB } = report.targets;
  return [
    "## Embedded start: `npm start` until ready",
    "",
    `${rounds} round(s), each a fresh temporary DATA_DIR started, stopped (SIGTERM) and started ` +
      "again · embedded defaults (PGlite, embedded bus, every service in one process), free " +
      "ports, none of the shell's settings · median of rounds",
    "",
    `Targets: ready ≤ ${readyMs / 1000} s; ≤ 1.5 GB (${rssMiB} MiB) RSS with all services.` +
      (report.memoryMeasured ? "" : " Memory is read from /proc: Linux only, not measured here."),
    "",
    "| data dir | ready (s) | /health/ready 200 (s) | peak RSS (MiB) | RSS once ready (MiB) | ready ≤ 10 s | peak ≤ 1.5 GB |",
    "|---|--:|--:|--:|--:|:-:|:-:|",
    ...report.summaries.map(
      ({ dataDir, median: m, meets }) =>
        `| ${DESCRIPTIONS[dataDir]} | ${fixed(m.readyMs / 1000, 2)} | ` +
        `${fixed(m.healthReadyMs / 1000, 2)} | ${fixed(m.peakRssMiB, 0)} | ` +
        `${fixed(m.readyRssMiB, 0)} | ${mark(meets.readyMs)} | ` +
        `${report.memoryMeasured ? mark(meets.rssMiB) : "n/a"} |`,
    ),
    "",
    "- **ready**: spawn of `node --import tsx functions/start.ts` → the banner “slipway is " +
      "running”, printed once every service and the gateway listen (tsx's transpiling " +
      "included); **/health/ready 200**: the gateway's readiness, every service's, asked once " +
      "the banner is out. **peak RSS**: the process tree's VmHWM summed up to ready; **RSS " +
      "once ready**: its VmRSS then (Linux /proc, sampled every 100 ms).",
    "",
    "Starts:",
    "",
    "| round | data dir | ready (s) | peak RSS (MiB) | RSS once ready (MiB) | processes | stop (ms) | exit |",
    "|--:|---|--:|--:|--:|--:|--:|---|",
    ...report.runs.map(
      (run) =>
        `| ${run.round} | ${run.dataDir} | ${fixed(run.readyMs / 1000, 2)} | ` +
        `${fixed(run.peakRssMiB, 0)} | ${fixed(run.readyRssMiB, 0)} | ${fixed(run.processes, 0)} | ` +
        `${fixed(run.stopMs, 0)} | ${run.exit.signal ?? run.exit.code} |`,
    ),
  ];
}

const mark = (ok: boolean) => (ok ? "yes" : "**no**");

function fixed(value: number, digits: number): string {
  return Number.isFinite(value) ? value.toFixed(digits) : "n/a";
}
