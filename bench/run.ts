// Entry of `npm run bench`: first the paths, the same reads served by a monolith (F), REST hops
// (E′), a stock Connect hop (E) and slipway's real gateway → catalog, with ratios to F
// (paths/paths.ts); then the same product read through the gateway (A) and straight from
// catalog over Connect (B), and through the gateway of a second system with TRACES=off (C, the
// tracing overhead's baseline), under bounded load; then events end to end over each bus transport
// (events.ts); then the order saga, placed → CONFIRMED, embedded and on Postgres + RabbitMQ
// (orders.ts); then a cold start of every Lambda bundle against an empty handler's
// (cold-starts.ts), and `npm start` until ready (startup.ts). `--sections` runs some of them.
// Prints figures; never asserts timings.

import { measureColdStarts } from "./cold-starts.js";
import { summarizeColdStarts } from "./cold-starts-report.js";
import { measureEvents } from "./events.js";
import { BenchInterrupted } from "./interrupt.js";
import { BenchFailure, measure } from "./measure.js";
import { type BenchOptions, parseOptions, usage } from "./options.js";
import { measureOrders } from "./orders.js";
import { measurePaths } from "./paths/paths.js";
import { summarizePaths } from "./paths/paths-report.js";
import { buildReport, renderMarkdown, writeReport } from "./report.js";
import { prepareScenarios, prepareUntracedGateway } from "./scenarios.js";
import { measureStartup } from "./startup.js";
import { summarizeStartup } from "./startup-report.js";
import { type RunningSystem, startSystem } from "./system.js";

async function bench(options: BenchOptions): Promise<void> {
  const run = (section: BenchOptions["sections"][number]) => options.sections.includes(section);
  const paths = run("paths") ? summarizePaths(await measurePaths(options)) : undefined;
  if (paths && "skipped" in paths) {
    process.stderr.write(`\n!!! paths SKIPPED: ${paths.skipped}\n\n`);
  }
  const rounds = run("gateway") ? await measureGatewayHop(options) : new Map();
  // One after the other, each after the previous one has stopped, so that the parts never share
  // the machine.
  const events = run("events") ? await measureEvents(options) : [];
  const orders = run("orders") ? await measureOrders(options) : [];
  const coldStarts = run("coldstart")
    ? summarizeColdStarts(await measureColdStarts(options))
    : undefined;
  if (coldStarts && "skipped" in coldStarts) {
    process.stderr.write(`\n!!! coldstart SKIPPED: ${coldStarts.skipped}\n\n`);
  }
  const startup = run("startup") ? summarizeStartup(await measureStartup(options)) : undefined;
  const report = buildReport(options, paths, rounds, events, orders, { coldStarts, startup });
  process.stdout.write(renderMarkdown(report));
  const files = await writeReport(report);
  process.stderr.write(`bench: wrote ${files.join(", ")}\n`);
}

async function measureGatewayHop(options: BenchOptions) {
  // Both run throughout, each idle while the other is measured, so rounds can alternate.
  const systems = await Promise.allSettled([
    startSystem(),
    startSystem({ label: "traces off", env: { TRACES: "off" } }),
  ]);
  try {
    const [traced, untraced] = systems.map((started) => {
      if (started.status === "rejected") throw started.reason;
      return started.value;
    }) as [RunningSystem, RunningSystem];
    const scenarios = [...(await prepareScenarios(traced)), await prepareUntracedGateway(untraced)];
    return await measure(scenarios, options);
  } finally {
    await Promise.all(
      systems.map((started) => (started.status === "fulfilled" ? started.value.stop() : undefined)),
    );
  }
}

let options: BenchOptions | "help" | undefined;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  process.stderr.write(`${error instanceof Error ? error.message : error}\n\n${usage}\n`);
  process.exitCode = 2;
}
if (options === "help") {
  process.stdout.write(`${usage}\n`);
} else if (options !== undefined) {
  try {
    await bench(options);
  } catch (error) {
    if (error instanceof BenchInterrupted) {
      process.stderr.write(`\nbench: ${error.message}, nothing written\n`);
      process.exitCode = error.exitCode;
    } else {
      const what = error instanceof BenchFailure ? "FAILED" : "ERROR";
      process.stderr.write(`\nbench ${what}: ${error instanceof Error ? error.message : error}\n`);
      process.exitCode = 1;
    }
  }
}
