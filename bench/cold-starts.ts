// The coldstart section of `npm run bench`: every Lambda entry bundled as `npm run build` bundles
// it, plus an empty handler bundled the same way (the floor: a fresh `node` and an ESM import of
// nothing), each cold-started in a fresh `node` process with the environment a deployed function
// gets (functions/tools/cold-start-setup.ts) on a scratch Postgres database: import, then the
// first invocation with the event AWS sends. Rounds are interleaved (A, B, ..., empty, A, ...)
// so that drift hits every entry alike. The migrator runs once, untimed, before the rounds: a
// deployed function cold-starts against a migrated database.
//
//   const outcome = await measureColdStarts(options); // { ok: false, why } without Postgres (not in CI)

import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { inCi, redactUrl } from "../functions/platform/testing/environment.js";
import {
  adminUrl,
  createScratchDatabase,
  postgresUnreachable,
} from "../functions/platform/testing/postgres-server.js";
import {
  type Bundle,
  bundleEntry,
  findLambdaEntries,
  type LambdaEntry,
} from "../functions/tools/bundle.js";
import { type ColdStart, coldStart, firstInvocations } from "../functions/tools/cold-start.js";
import {
  lambdaEnvironment,
  lambdaFolder,
  servicesWithDatabase,
} from "../functions/tools/cold-start-setup.js";
import { interruptible } from "./interrupt.js";
import { BenchFailure } from "./measure.js";
import type { BenchOptions } from "./options.js";

export const EMPTY = "empty-handler";
const EMPTY_SOURCE = "export const handler = async () => ({});\n";

/** One cold start's figures: import, the first invocation, and the two together. */
export interface ColdStartTiming {
  importMs: number;
  firstInvocationMs: number;
  totalMs: number;
}

export interface EntryColdStarts {
  /** `catalog-lambda`, or EMPTY. */
  name: string;
  /** The entry's bytes and gzip bytes: what its cold start loads (bundle.ts). */
  bytes: number;
  gzipBytes: number;
  /** Every chunk, lazily loaded ones included. */
  totalBytes: number;
  /** What the first invocation called: `handler`, or a job's name. */
  firstExport: string;
  rounds: ColdStartTiming[];
}

export interface ColdStartsRun {
  database: string;
  rounds: number;
  /** Entries not measured (smoke runs measure one per kind and the migrator). */
  left: string[];
  entries: EntryColdStarts[];
}

export type ColdStartsOutcome = { ok: true; run: ColdStartsRun } | { ok: false; why: string };

export function measureColdStarts(options: BenchOptions): Promise<ColdStartsOutcome> {
  return interruptible("cold starts", async (signal) => {
    const unreachable = await postgresUnreachable();
    if (unreachable !== undefined) {
      const why = `Postgres at ${redactUrl(adminUrl)} is not reachable (${unreachable})`;
      if (inCi) throw new Error(`${why}; under CI=true it must be running`);
      return { ok: false, why };
    }
    const all = await findLambdaEntries();
    const entries = options.smoke ? smokeEntries(all) : all;
    const place = await lambdaFolder("slipway-bench-cold-");
    const database = await createScratchDatabase("slipway_bench_cold");
    const environment = lambdaEnvironment({
      databaseUrl: database.url,
      dataDir: place.dataDir,
      // The migrator migrates every service, whichever entries are measured.
      services: servicesWithDatabase(all),
    });
    try {
      const began = performance.now();
      const source = join(place.root, "empty.ts");
      await writeFile(source, EMPTY_SOURCE);
      const empty: LambdaEntry = { name: EMPTY, service: "empty", kind: "lambda", source };
      const bundles: Bundle[] = [];
      // One at a time: esbuild in parallel is no faster on 2 cores.
      for (const entry of [...entries, empty]) {
        signal.throwIfAborted();
        bundles.push(await bundleEntry(entry, { outdir: place.outdir }));
      }
      log(`${bundles.length} bundles in ${seconds(began)}`);
      const start = async (bundle: Bundle): Promise<ColdStartTiming> => {
        const calls = firstInvocations(bundle.entry, bundle.exports);
        const run = await coldStart(bundle.file, calls, environment.of(bundle.entry));
        return timingOf(bundle.entry, run);
      };
      const migrator = bundles.find((bundle) => bundle.entry.service === "migrator");
      if (migrator) await start(migrator);
      const timings = new Map<Bundle, ColdStartTiming[]>(bundles.map((bundle) => [bundle, []]));
      for (let round = 1; round <= options.coldStartRounds; round++) {
        log(`round ${round} of ${options.coldStartRounds}: ${bundles.length} cold starts`);
        for (const bundle of bundles) {
          signal.throwIfAborted();
          timings.get(bundle)?.push(await start(bundle));
        }
      }
      return {
        ok: true,
        run: {
          database: `Postgres ${database.version} (${redactUrl(adminUrl)})`,
          rounds: options.coldStartRounds,
          left: all.filter((entry) => !entries.includes(entry)).map((entry) => entry.name),
          entries: [...timings].map(([bundle, rounds]) => ({
            name: bundle.entry.name,
            bytes: bundle.bytes,
            gzipBytes: bundle.gzipBytes,
            totalBytes: bundle.totalBytes,
            firstExport: firstInvocations(bundle.entry, bundle.exports)[0]?.export ?? "handler",
            rounds,
          })),
        },
      };
    } finally {
      await database.drop();
      await environment.dropRoles();
      await place.remove();
    }
  });
}

// CI's smoke run checks that the section works, in a few seconds: bundling all 13 entries alone
// takes longer than its budget, so one entry of each kind, and the migrator.
function smokeEntries(entries: LambdaEntry[]): LambdaEntry[] {
  const kinds = new Set<string>();
  return entries.filter((entry) => {
    if (entry.service === "migrator") return true;
    if (kinds.has(entry.kind)) return false;
    kinds.add(entry.kind);
    return true;
  });
}

/** A cold start that failed to import or to answer makes figures that mean nothing. */
function timingOf(entry: LambdaEntry, run: ColdStart): ColdStartTiming {
  const { name } = entry;
  if (run.error !== undefined) throw new BenchFailure(`${name}: import failed: ${run.error}`);
  const [first] = run.invocations;
  if (!first) throw new BenchFailure(`${name}: nothing was invoked`);
  const failed = run.invocations.find((call) => call.error !== undefined);
  if (failed) {
    throw new BenchFailure(`${name}: ${failed.export} failed: ${failed.error}\n${run.stderr}`);
  }
  const wrong = wrongAnswer(entry, first.result);
  if (wrong) throw new BenchFailure(`${name}: ${first.export} answered ${wrong}\n${run.stderr}`);
  return {
    importMs: run.importMs,
    firstInvocationMs: first.ms,
    totalMs: run.importMs + first.ms,
  };
}

/** What is wrong with a first invocation's answer (build.test.ts checks them in full). */
function wrongAnswer(entry: LambdaEntry, result: unknown): string | undefined {
  if (entry.name === EMPTY || entry.service === "migrator" || entry.kind === "jobs") return;
  if (entry.kind === "consumer") {
    const failures = (result as { batchItemFailures?: unknown[] })?.batchItemFailures;
    return failures?.length === 0 ? undefined : JSON.stringify(result);
  }
  const status = (result as { statusCode?: number })?.statusCode;
  return status === 200 ? undefined : `${status}: ${JSON.stringify(result).slice(0, 500)}`;
}

const seconds = (since: number) => `${((performance.now() - since) / 1000).toFixed(1)} s`;

function log(line: string): void {
  process.stderr.write(`bench: coldstart: ${line}\n`);
}
