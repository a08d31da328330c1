// `npm run build`'s bundles as Lambda gets them: each is built into a folder of its own, then
// cold-started in a fresh `node` with only the AWS SDK resolvable beside it (as the Lambda
// runtime provides), a real Postgres and the SNS/SQS bus, and invoked once with the event AWS
// sends. COLD_START_RUNS=5 repeats each cold start and prints the medians.
import { existsSync } from "node:fs";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { type Bundle, bundleEntry, findLambdaEntries, type LambdaEntry } from "./bundle.js";
import { type ColdStart, coldStart, firstInvocations } from "./cold-start.js";
import {
  type LambdaEnvironment,
  type LambdaFolder,
  lambdaEnvironment,
  lambdaFolder,
  servicesWithDatabase as withDatabase,
} from "./cold-start-setup.js";

const RUNS = Number(process.env.COLD_START_RUNS ?? 1);

const entries = await findLambdaEntries();
const servicesWithDatabase = withDatabase(entries);
const bundles = new Map<string, Bundle>();
const timings = new Map<string, { importMs: number[]; firstCallMs: number[] }>();
let place: LambdaFolder;
let root: string;

beforeAll(async () => {
  place = await lambdaFolder("slipway-build-");
  root = place.root;
  for (const entry of entries) {
    bundles.set(entry.name, await bundleEntry(entry, { outdir: place.outdir }));
  }
}, 180_000);

afterAll(async () => {
  if (timings.size > 0) console.log(renderTimings());
  await place?.remove();
});

describe("npm run build", () => {
  it("finds every entry by convention, and nothing else", () => {
    const names = entries.map((entry) => entry.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "catalog-consumer",
        "catalog-jobs",
        "catalog-lambda",
        "gateway-lambda",
        "identity-jobs",
        "identity-lambda",
        "orders-consumer",
        "orders-jobs",
        "orders-lambda",
        "payments-consumer",
        "payments-jobs",
        "payments-lambda",
      ]),
    );
    expect(names.filter((name) => name.startsWith("platform-"))).toEqual([]);
  });

  it("rejects on a build error, naming the problem", async () => {
    const source = join(root, "broken.ts");
    await writeFile(
      source,
      'import { missing } from "./nowhere.js";\nexport const handler = missing;\n',
    );
    const entry: LambdaEntry = { name: "broken-lambda", service: "broken", kind: "lambda", source };
    await expect(bundleEntry(entry, { outdir: join(root, "dist") })).rejects.toThrow(/nowhere/);
  });

  it.each(entries)("$name: one ESM bundle with the migrations it reads beside it", (entry) => {
    const bundle = built(entry);
    expect(bundle.file).toBe(join(root, "dist", entry.name, `${entry.kind}.mjs`));
    expect(existsSync(bundle.file)).toBe(true);
    expect(bundle.warnings).toEqual([]);
    if (servicesWithDatabase.includes(entry.service)) {
      expect(bundle.assets).toContain(`${entry.service}/db/migrations`);
    }
    for (const asset of bundle.assets) {
      expect(existsSync(join(bundle.dir, asset)), asset).toBe(true);
      if (asset.endsWith("/migrations")) {
        expect(existsSync(join(bundle.dir, asset, "meta/_journal.json")), asset).toBe(true);
      }
    }
  });
});

describe.skipIf(!databaseKinds.includes("postgres"))("each bundle, cold-started", () => {
  let database: TestDatabase;
  let environment: LambdaEnvironment;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    environment = lambdaEnvironment({
      databaseUrl: database.url as string,
      dataDir: place.dataDir,
      services: servicesWithDatabase,
    });
  });

  afterAll(async () => {
    if (!database) return;
    await database.drop();
    await environment.dropRoles();
  });

  it.each(entries)("$name imports and answers its first invocation", async (entry) => {
    const bundle = built(entry);
    const calls = firstInvocations(entry, bundle.exports);
    const runs: ColdStart[] = [];
    for (let run = 0; run < RUNS; run++) {
      runs.push(await coldStart(bundle.file, calls, environment.of(entry)));
    }
    for (const run of runs) {
      expect(run.error, run.stderr).toBeUndefined();
      expect(Object.values(run.exports).length).toBeGreaterThan(0);
      for (const kind of Object.values(run.exports)) expect(kind).toBe("function");
      for (const call of run.invocations) {
        expect(call.error, `${call.export}: ${run.stderr}`).toBeUndefined();
        expectSensible(entry, call.result);
      }
    }
    if (entry.kind !== "jobs") expect(runs[0]?.exports.handler).toBe("function");
    timings.set(entry.name, {
      importMs: runs.map((run) => run.importMs),
      firstCallMs: runs.map((run) => run.invocations[0]?.ms ?? Number.NaN),
    });
  });
});

function built(entry: LambdaEntry): Bundle {
  const bundle = bundles.get(entry.name);
  if (!bundle) throw new Error(`${entry.name} was not built`);
  return bundle;
}

function expectSensible(entry: LambdaEntry, result: unknown) {
  switch (entry.kind) {
    case "lambda": {
      if (entry.service === "migrator") {
        const { migrated } = result as { migrated: { service: string }[] };
        expect(migrated.map((done) => done.service).sort()).toEqual(
          [...servicesWithDatabase].sort(),
        );
        return;
      }
      const response = result as { statusCode: number; body: string };
      expect(response.statusCode).toBe(200);
      expect(JSON.parse(response.body)).toEqual({ status: "ok" });
      return;
    }
    case "consumer":
      // The event nobody handles is acknowledged: no failure to retry.
      expect(result).toEqual({ batchItemFailures: [] });
      return;
    case "jobs":
      expect(result).toBeTypeOf("object");
      expect(result).not.toBeNull();
      return;
  }
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
};

function renderTimings(): string {
  const lines = [`cold starts (${RUNS} run(s) each; medians, ms):`];
  lines.push(
    `${"entry".padEnd(20)}${"bytes".padStart(10)}${"gzip".padStart(10)}` +
      `${"import".padStart(9)}${"1st call".padStart(10)}${"total".padStart(8)}`,
  );
  for (const [name, { importMs, firstCallMs }] of timings) {
    const bundle = bundles.get(name);
    const total = importMs.map((ms, run) => ms + (firstCallMs[run] ?? Number.NaN));
    lines.push(
      `${name.padEnd(20)}${String(bundle?.bytes).padStart(10)}${String(bundle?.gzipBytes).padStart(10)}` +
        `${median(importMs).toFixed(0).padStart(9)}${median(firstCallMs).toFixed(0).padStart(10)}` +
        `${median(total).toFixed(0).padStart(8)}`,
    );
  }
  return lines.join("\n");
}
