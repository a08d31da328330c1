// Entry of `npm run bench`: the same product read through the gateway (A) and straight from
// catalog over Connect (B), under bounded load; then events end to end over each bus transport
// (events.ts). Prints figures; never asserts timings.

import { BenchInterrupted, measureEvents } from "./events.js";
import { BenchFailure, measure } from "./measure.js";
import { type BenchOptions, parseOptions, usage } from "./options.js";
import { buildReport, renderMarkdown, writeReport } from "./report.js";
import { prepareScenarios } from "./scenarios.js";
import { startSystem } from "./system.js";

async function bench(options: BenchOptions): Promise<void> {
  const rounds = await measureGatewayHop(options);
  // After the system has stopped, so that the two parts never share the machine.
  const events = await measureEvents(options);
  const report = buildReport(options, rounds, events);
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
      const what = error instanceof BenchFailure ? "FAILED REQUESTS" : "ERROR";
      process.stderr.write(`\nbench ${what}: ${error instanceof Error ? error.message : error}\n`);
      process.exitCode = 1;
    }
  }
}
