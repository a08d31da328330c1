// CPU profile of slipway's real path under load: the gateway and the catalog of the paths
// section (paths/slipway-path.ts), each run with `node --cpu-prof` on a fresh seeded Postgres,
// under the bench's bounded load for a while after a warm-up; then the top self-time functions
// and modules of each process during the load (not its start-up), to compare before and after
// a change. The profiles stay in bench/results/profile/ (open them in Chrome DevTools); the
// summary goes to stdout and bench/results/profile.md.
//
//   npx tsx bench/profile.ts [--seconds 10] [--warmup 3] [--endpoint get|list] [--connections 50] [--top 15]

import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { availableParallelism, cpus } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  createScratchDatabase,
  postgresUnreachable,
} from "../functions/platform/testing/postgres-server.js";
import {
  type CpuProfile,
  type ProfileSummary,
  renderProfileMarkdown,
  summarizeProfile,
} from "./cpu-profile.js";
import { failureOf, type LoadResult, runLoad } from "./load.js";
import { PAGE_SIZE, PRODUCTS } from "./paths/paths.js";
import { endpointRequests } from "./paths/paths-report.js";
import { seedCatalog } from "./paths/seed.js";
import { type RunningServer, startServer } from "./paths/server-process.js";
import { startSlipwayPath } from "./paths/slipway-path.js";

const profileDir = fileURLToPath(new URL("./results/profile/", import.meta.url));
const summaryFile = new URL("./results/profile.md", import.meta.url);
const processes = ["gateway", "catalog"] as const;

const { values } = parseArgs({
  options: {
    seconds: { type: "string", default: "10" },
    warmup: { type: "string", default: "3" },
    endpoint: { type: "string", default: "get" },
    connections: { type: "string", default: "50" },
    top: { type: "string", default: "15" },
  },
});
const endpoint = values.endpoint === "list" ? "list" : "get";
const seconds = Number(values.seconds);
const connections = Number(values.connections);

async function profile(): Promise<void> {
  const unreachable = await postgresUnreachable();
  if (unreachable !== undefined) throw new Error(`Postgres is not reachable: ${unreachable}`);
  await rm(profileDir, { recursive: true, force: true });
  await mkdir(profileDir, { recursive: true });
  const database = await createScratchDatabase("slipway_bench");
  const servers: RunningServer[] = [];
  let load: LoadResult;
  let window: { fromUs: number; toUs: number };
  try {
    const { productId } = await seedCatalog(database.url, {
      products: PRODUCTS,
      pageSize: PAGE_SIZE,
    });
    const { gateway } = await startSlipwayPath(
      database.url,
      async (options, tier) => {
        const server = await startServer(options);
        // The gateway stops first, so that no call of it is cut.
        if (tier === "front") servers.unshift(server);
        else servers.push(server);
        return server;
      },
      // A directory each: tsx's module loader runs in a worker thread, which writes a profile too.
      (name) => ["--cpu-prof", "--cpu-prof-dir", join(profileDir, name)],
    );
    const url =
      endpoint === "get"
        ? `${gateway.url}/v1/products/${productId}`
        : `${gateway.url}/v1/products?limit=${PAGE_SIZE}`;
    const run = async (duration: number) => {
      const result = await runLoad({ url, method: "GET", connections, durationSeconds: duration });
      const failure = failureOf(result);
      if (failure) throw new Error(`${endpointRequests[endpoint]}: ${failure}`);
      return result;
    };
    log(`warm-up ${values.warmup} s`);
    await run(Number(values.warmup));
    log(`profiling ${seconds} s of ${endpointRequests[endpoint]}`);
    const fromUs = microsecondsNow();
    load = await run(seconds);
    window = { fromUs, toUs: microsecondsNow() };
  } finally {
    // Sequentially: a profile is written when its process exits.
    for (const server of servers) await server.stop();
    await database.drop();
  }
  const lines = [
    "# slipway path CPU profile",
    "",
    `${new Date().toISOString()} · Node ${process.version} · ${cpus()[0]?.model.trim()} · ` +
      `${availableParallelism()} cores`,
    "",
    `${endpointRequests[endpoint]} at the gateway, ${connections} connections, ${seconds} s after ` +
      `${values.warmup} s warm-up: ${load.requestsPerSecond.toFixed(0)} req/s, ` +
      `p50 ${load.p50Ms.toFixed(2)} ms, p99 ${load.p99Ms.toFixed(2)} ms (profiling on). ` +
      "Self time of the samples taken during the load; `node --cpu-prof`, 1 ms interval.",
    "",
  ];
  for (const name of processes) {
    const file = await mainThreadProfile(join(profileDir, name));
    const data = JSON.parse(await readFile(file, "utf8")) as CpuProfile;
    let summary: ProfileSummary = summarizeProfile(data, window);
    if (summary.totalMs === 0) {
      // The profile's clock did not match ours: count everything, start-up included.
      lines.push(`(${name}: no sample in the load's window; the whole profile is counted)`, "");
      summary = summarizeProfile(data);
    }
    lines.push(...renderProfileMarkdown(name, summary, Number(values.top)), "");
  }
  const markdown = `${lines.join("\n").trimEnd()}\n`;
  process.stdout.write(markdown);
  await writeFile(summaryFile, markdown);
  log(`wrote bench/results/profile.md; profiles in bench/results/profile/`);
}

/** Node names them CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile; the main thread is 0. */
async function mainThreadProfile(dir: string): Promise<string> {
  const file = (await readdir(dir)).find((name) => name.split(".")[4] === "0");
  if (!file) throw new Error(`no main-thread profile in ${dir}`);
  return join(dir, file);
}

/** The monotonic clock, in the microseconds a .cpuprofile's timestamps count. */
function microsecondsNow(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

function log(line: string): void {
  process.stderr.write(`profile: ${line}\n`);
}

try {
  await profile();
} catch (error) {
  process.stderr.write(`profile ERROR: ${error instanceof Error ? error.message : error}\n`);
  process.exitCode = 1;
}
