// `npm run build`'s bundles as Lambda gets them: each is built into a folder of its own, then
// cold-started in a fresh `node` with only the AWS SDK resolvable beside it (as the Lambda
// runtime provides), a real Postgres and the SNS/SQS bus, and invoked once with the event AWS
// sends. COLD_START_RUNS=5 repeats each cold start and prints the medians.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../platform/testing/databases.js";
import {
  type Bundle,
  bundleEntry,
  findLambdaEntries,
  functionsDir,
  type LambdaEntry,
} from "./bundle.js";
import { type ColdStart, coldStart, firstInvocations } from "./cold-start.js";

const RUNS = Number(process.env.COLD_START_RUNS ?? 1);
// One per test run: identity seals its signing keys with it, and every cold start must read them.
const IDENTITY_KEY_SECRET = randomBytes(32).toString("hex");
const SDK = fileURLToPath(new URL("../../node_modules/@aws-sdk", import.meta.url));

const entries = await findLambdaEntries();
const servicesWithDatabase = [...new Set(entries.map((entry) => entry.service))].filter((service) =>
  existsSync(join(functionsDir, service, "db", "migrations")),
);
const bundles = new Map<string, Bundle>();
const timings = new Map<string, { importMs: number[]; firstCallMs: number[] }>();
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), "slipway-build-"));
  await mkdir(join(root, "node_modules"));
  await symlink(SDK, join(root, "node_modules", "@aws-sdk"), "dir");
  for (const entry of entries) {
    bundles.set(entry.name, await bundleEntry(entry, { outdir: join(root, "dist") }));
  }
}, 180_000);

afterAll(async () => {
  if (timings.size > 0) console.log(renderTimings());
  await rm(root, { recursive: true, force: true });
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
  // The migrator provisions a login role per service; roles belong to the whole cluster, so
  // this run's own names, dropped afterwards.
  const rolePrefix = `slipway_b${randomBytes(4).toString("hex")}`;
  const roleOf = (service: string) => `${rolePrefix}_${service}`;
  let database: TestDatabase;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
  });

  afterAll(async () => {
    if (!database) return;
    await database.drop();
    const cluster = new URL(database.url as string);
    cluster.pathname = "/postgres";
    const admin = postgres(cluster.toString(), { max: 1, onnotice: () => {} });
    try {
      for (const service of servicesWithDatabase) {
        await admin.unsafe(`drop role if exists ${roleOf(service)}`);
      }
    } finally {
      await admin.end({ timeout: 1 });
    }
  });

  // The migrator's connections: the administrator's, and each service's as its own role.
  const migratorEnvironment = (): Record<string, string> => {
    const env: Record<string, string> = { ADMIN_DATABASE_URL: database.url as string };
    for (const service of servicesWithDatabase) {
      const url = new URL(database.url as string);
      url.username = roleOf(service);
      url.password = `pw-${rolePrefix}`;
      env[`${service.toUpperCase()}_DATABASE_URL`] = url.toString();
    }
    return env;
  };

  // What the deployed functions get, and nothing from this process's environment.
  const environment = (entry: LambdaEntry): Record<string, string> => ({
    PATH: process.env.PATH ?? "",
    AWS_LAMBDA_FUNCTION_NAME: `slipway-test-${entry.name}`,
    AWS_REGION: "us-east-1",
    AWS_ACCESS_KEY_ID: "test",
    AWS_SECRET_ACCESS_KEY: "test",
    // Nothing leaves this machine: the discard port refuses connections.
    AWS_ENDPOINT_URL: "http://127.0.0.1:9",
    BUS: "sns-sqs",
    BUS_NAMESPACE: "slipway-build-test",
    DATABASE_URL: database.url as string,
    DATA_DIR: join(root, "data"),
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
    IDENTITY_KEY_SECRET,
    LOG_LEVEL: "WARN",
    ...(entry.service === "migrator" ? migratorEnvironment() : {}),
  });

  it.each(entries)("$name imports and answers its first invocation", async (entry) => {
    const bundle = built(entry);
    const calls = firstInvocations(entry, bundle.exports);
    const runs: ColdStart[] = [];
    for (let run = 0; run < RUNS; run++) {
      runs.push(await coldStart(bundle.file, calls, environment(entry)));
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
