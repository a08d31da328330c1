// Where a `.cpuprofile` (node --cpu-prof) spent its time: self time per function and per module
// (an npm package, a Node built-in area, a file of this repository), optionally only within a
// window of the samples (the load, not the start-up), rendered as markdown. Also a command:
//
//   npx tsx bench/cpu-profile.ts [--top N] file.cpuprofile ...
//
//   const summary = summarizeProfile(JSON.parse(await readFile(path, "utf8")), { fromUs, toUs });
//   renderProfileMarkdown("gateway", summary, 15);

import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

/** The parts of V8's profile format used here. */
export interface CpuProfile {
  nodes: {
    id: number;
    callFrame: { functionName: string; url: string; lineNumber: number };
  }[];
  /** Microseconds, on the monotonic clock process.hrtime() reads. */
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface SelfTime {
  name: string;
  selfMs: number;
  /** Share of the busy time: every sample but (idle). */
  percent: number;
}

export interface ProfileSummary {
  /** Time covered by the counted samples, idle included. */
  totalMs: number;
  busyMs: number;
  idleMs: number;
  /** (garbage collector) and (program), in the busy time. */
  gcMs: number;
  functions: SelfTime[];
  modules: SelfTime[];
}

export interface SampleWindow {
  /** Only samples taken from (and up to) these process.hrtime() microseconds. */
  fromUs: number;
  toUs: number;
}

const repoRoot = fileURLToPath(new URL("..", import.meta.url));

export function summarizeProfile(profile: CpuProfile, window?: SampleWindow): ProfileSummary {
  const nodes = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const byFunction = new Map<string, number>();
  const byModule = new Map<string, number>();
  let at = profile.startTime;
  let totalUs = 0;
  let idleUs = 0;
  let gcUs = 0;
  profile.samples.forEach((id, i) => {
    at += profile.timeDeltas[i] ?? 0;
    // A sample lasts until the next one.
    const lasted = profile.timeDeltas[i + 1] ?? 0;
    if (window && (at < window.fromUs || at > window.toUs)) return;
    const frame = nodes.get(id);
    if (!frame) return;
    totalUs += lasted;
    if (frame.functionName === "(idle)") {
      idleUs += lasted;
      return;
    }
    if (frame.functionName === "(garbage collector)") gcUs += lasted;
    add(byFunction, functionOf(frame), lasted);
    add(byModule, moduleOf(frame), lasted);
  });
  const busyUs = totalUs - idleUs;
  const ranked = (times: Map<string, number>) =>
    [...times]
      .sort((a, b) => b[1] - a[1])
      .map(([name, us]) => ({ name, selfMs: us / 1000, percent: (100 * us) / busyUs }));
  return {
    totalMs: totalUs / 1000,
    busyMs: busyUs / 1000,
    idleMs: idleUs / 1000,
    gcMs: gcUs / 1000,
    functions: ranked(byFunction),
    modules: ranked(byModule),
  };
}

function add(times: Map<string, number>, key: string, us: number): void {
  times.set(key, (times.get(key) ?? 0) + us);
}

function functionOf(frame: CpuProfile["nodes"][number]["callFrame"]): string {
  const name = frame.functionName || "(anonymous)";
  if (!frame.url) return name;
  return `${name} ${shortUrl(frame.url)}:${frame.lineNumber + 1}`;
}

/** An npm package, `node:` plus an area of Node's own code, or a file of this repository. */
function moduleOf(frame: CpuProfile["nodes"][number]["callFrame"]): string {
  const url = frame.url;
  if (!url) return frame.functionName.startsWith("(") ? frame.functionName : "(native code)";
  if (url.startsWith("node:")) {
    // node:internal/deps/undici/undici → node:internal/deps/undici; node:internal/streams/…
    const parts = url.split("/");
    return parts.slice(0, parts[1] === "deps" ? 3 : 2).join("/");
  }
  const path = shortUrl(url);
  const packages = path.split("node_modules/");
  if (packages.length > 1) {
    const [first, second] = (packages.at(-1) ?? "").split("/");
    return first?.startsWith("@") ? `${first}/${second}` : (first ?? path);
  }
  return path;
}

/**
 * Repository paths relative to its root, packages from their `node_modules/` (wherever a symlink
 * put them), so that no machine's layout shows in a report.
 */
function shortUrl(url: string): string {
  const path = url.startsWith("file://") ? fileURLToPath(url) : url;
  const inPackages = path.lastIndexOf("/node_modules/");
  if (inPackages >= 0) return path.slice(inPackages + 1);
  return path.startsWith(repoRoot) ? path.slice(repoRoot.length) : path;
}

export function renderProfileMarkdown(title: string, summary: ProfileSummary, top: number) {
  const share = (ms: number, of: number) => `${((100 * ms) / of).toFixed(1)} %`;
  const table = (heading: string, entries: SelfTime[]) => [
    `| ${heading} | self (ms) | of busy |`,
    "|---|--:|--:|",
    ...entries
      .slice(0, top)
      .map((e) => `| \`${e.name}\` | ${e.selfMs.toFixed(0)} | ${e.percent.toFixed(1)} % |`),
  ];
  return [
    `### ${title}`,
    "",
    `${summary.totalMs.toFixed(0)} ms sampled: busy ${summary.busyMs.toFixed(0)} ms ` +
      `(${share(summary.busyMs, summary.totalMs)}), idle ${summary.idleMs.toFixed(0)} ms; ` +
      `garbage collector ${summary.gcMs.toFixed(0)} ms (${share(summary.gcMs, summary.busyMs)} of busy)`,
    "",
    ...table(`top ${top} functions by self time`, summary.functions),
    "",
    ...table(`top ${top} modules by self time`, summary.modules),
  ];
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { top: { type: "string", default: "15" } },
  });
  for (const file of positionals) {
    const profile = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
    const lines = renderProfileMarkdown(file, summarizeProfile(profile), Number(values.top));
    process.stdout.write(`${lines.join("\n")}\n\n`);
  }
}
