// Entry of `npm run bench`: the same product read through the gateway (A) and straight from
// catalog over Connect (B), under bounded load; then events end to end over each bus transport
// (events.ts); then the order saga, placed → CONFIRMED, embedded and on Postgres + RabbitMQ
// (orders.ts). `--sections` runs some of them. Prints figures; never asserts timings.

import { measureEvents } from "./events.js";
import { BenchInterrupted } from "./interrupt.js";
import { BenchFailure, measure } from "./measure.js";
import { type BenchOptions, parseOptions, usage } from "./options.js";
import { measureOrders } from "./orders.js";
import { buildReport, renderMarkdown, writeReport } from "./report.js";
import { prepareScenarios } from "./scenarios.js";
import { startSystem } from "./system.js";

async function bench(options: BenchOptions): Promise<void> {
  const run = (section: BenchOptions["sections"][number]) => options.sections.includes(section);
  const rounds = run("gateway") ? await measureGatewayHop(options) : new Map();
  // One after the other, each after the previous one has stopped, so that the parts never share
  // the machine.
  const events = run("events") ? await measureEvents(options) : [];
  const orders = run("orders") ? await measureOrders(options) : [];
  const report = buildReport(options, rounds, events, orders);
  process.stdout.write(renderMarkdown(report));
  const files = await writeReport(report);
  process.stderr.write(`bench: wrote ${files.join(", ")}\n`);
}

async function measureGatewayHop(options: BenchOptions) {
  const system = await startSystem();
  try {
    return await measure(system, await prepareScenarios(system), options);
  } finally {
    await system.stop();
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
