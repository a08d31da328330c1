// Entry of `npm run bench`: the same product read through the gateway (A) and straight from
// catalog over Connect (B), under bounded load. Prints figures; never asserts timings.

import { BenchFailure, measure } from "./measure.js";
import { type BenchOptions, parseOptions, usage } from "./options.js";
import { buildReport, renderMarkdown, writeReport } from "./report.js";
import { prepareScenarios } from "./scenarios.js";
import { startSystem } from "./system.js";

async function bench(options: BenchOptions): Promise<void> {
  const system = await startSystem();
  try {
    const scenarios = await prepareScenarios(system);
    const report = buildReport(options, await measure(system, scenarios, options));
    process.stdout.write(renderMarkdown(report));
    const files = await writeReport(report);
    process.stderr.write(`bench: wrote ${files.join(", ")}\n`);
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
    const what = error instanceof BenchFailure ? "FAILED REQUESTS" : "ERROR";
    process.stderr.write(`\nbench ${what}: ${error instanceof Error ? error.message : error}\n`);
    process.exitCode = 1;
  }
}
