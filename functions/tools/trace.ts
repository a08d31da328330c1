/**
 * `npm run trace -- <trace-id>`: one trace from the files `npm start` writes under
 * `DATA_DIR/traces`, as a span tree (service, span, kind, duration, errors). `--last [N]` (or
 * `--list [N]`) lists the N most recent traces (default 20) to pick one from, leaving out the
 * bus's own batch receives unless `--all`. A unique prefix of a trace id is enough.
 *
 *   npm run trace -- --last
 *   npm run trace -- 4bf92f3577b34da6a3ce929d0e0e4736
 */

import { readSpanRecords } from "../platform/telemetry/trace-files.js";
import { renderTrace, renderTraceList, summarizeTraces } from "../platform/telemetry/trace-tree.js";
import { tracesDir } from "../platform/telemetry/tracing.js";

const usage = `usage: npm run trace -- <trace-id>            one trace as a span tree
       npm run trace -- --last [N] [--all]    the N most recent traces (default 20); --all
                                              includes the bus's batch receives
reads DATA_DIR/traces (DATA_DIR defaults to .data)`;

async function main(argv: string[]): Promise<number> {
  const all = argv.includes("--all");
  const args = argv.filter((arg) => arg !== "--all");
  const [first, second, ...rest] = args;
  const dir = tracesDir(process.env.DATA_DIR || ".data");
  if (first === "--help" || first === "-h") {
    process.stdout.write(`${usage}\n`);
    return 0;
  }
  if (first === undefined || rest.length > 0) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  if (first === "--last" || first === "--list") {
    const count = second === undefined ? 20 : Number(second);
    if (!Number.isInteger(count) || count < 1) {
      process.stderr.write(`--last takes a whole number ≥ 1, got "${second}"\n${usage}\n`);
      return 2;
    }
    const { spans, badLines } = await readSpanRecords(dir);
    if (spans.length === 0) return noTraces(dir);
    const every = summarizeTraces(spans);
    const traces = all ? every : every.filter((trace) => !trace.busReceive);
    const hidden = every.length - traces.length;
    process.stdout.write(renderTraceList(traces.slice(0, count)));
    process.stdout.write(
      `\n${Math.min(count, traces.length)} of ${traces.length} trace(s) in ${dir}` +
        (hidden > 0 ? ` (and ${hidden} of bus batch receives: --all)` : "") +
        `${skipped(badLines)}; npm run trace -- <trace id> shows one\n`,
    );
    return 0;
  }
  if (second !== undefined || all || !/^[0-9a-f]{1,32}$/i.test(first)) {
    process.stderr.write(
      `not a trace id: ${argv.join(" ")} (32 hex digits, or a prefix)\n${usage}\n`,
    );
    return 2;
  }
  const { spans, files, badLines } = await readSpanRecords(dir, first.toLowerCase());
  if (files.length === 0) return noTraces(dir);
  const ids = [...new Set(spans.map((span) => span.traceId))];
  if (ids.length === 0) {
    process.stderr.write(
      `no trace ${first} in ${dir}; npm run trace -- --last lists the most recent\n`,
    );
    return 1;
  }
  if (ids.length > 1) {
    process.stderr.write(`${first} starts ${ids.length} trace ids; give more of it:\n`);
    for (const id of ids.slice(0, 10)) process.stderr.write(`  ${id}\n`);
    return 1;
  }
  process.stdout.write(renderTrace(spans));
  if (badLines > 0) process.stdout.write(`\n${skipped(badLines).slice(2)}\n`);
  return 0;
}

function noTraces(dir: string): number {
  process.stderr.write(
    `no traces in ${dir} yet: npm start writes them there (unless TRACES=off or ` +
      "OTEL_EXPORTER_OTLP_ENDPOINT sends them elsewhere); make a request and try again\n",
  );
  return 1;
}

const skipped = (badLines: number) =>
  badLines > 0 ? `; ${badLines} unreadable line(s) skipped` : "";

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`trace failed: ${error instanceof Error ? error.message : error}\n`);
    process.exitCode = 1;
  },
);
