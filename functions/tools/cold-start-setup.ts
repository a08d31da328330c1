/**
 * Where and with what Lambda bundles are cold-started outside AWS, shared by the build test and
 * the bench: a temporary folder with only the AWS SDK resolvable beside the bundles (as the
 * Lambda runtime provides it), and each function's environment as a deployed stage gives it,
 * on one Postgres database: the SNS/SQS bus pointed at a port that refuses connections, the
 * secrets, and the migrator's per-service URLs and login roles (dropped by `dropRoles()`).
 *
 * @example
 * const place = await lambdaFolder("slipway-build-");
 * const bundle = await bundleEntry(entry, { outdir: place.outdir });
 * const env = lambdaEnvironment({ databaseUrl, dataDir: place.dataDir, services });
 * await coldStart(bundle.file, firstInvocations(entry, bundle.exports), env.of(entry));
 * // after dropping the database (the roles own its schemas):
 * await env.dropRoles();
 * await place.remove();
 */
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { dropRoles } from "../platform/testing/postgres-server.js";
import { functionsDir, type LambdaEntry } from "./bundle.js";

const SDK = fileURLToPath(new URL("../../node_modules/@aws-sdk", import.meta.url));

export interface LambdaFolder {
  root: string;
  /** Where the bundles go, one folder per entry. */
  outdir: string;
  /** DATA_DIR of the functions (nothing deployed writes there). */
  dataDir: string;
  remove(): Promise<void>;
}

/** A new temporary folder with `node_modules/@aws-sdk` linked to the project's copy. */
export async function lambdaFolder(prefix: string): Promise<LambdaFolder> {
  const root = await mkdtemp(join(tmpdir(), prefix));
  await mkdir(join(root, "node_modules"));
  await symlink(SDK, join(root, "node_modules", "@aws-sdk"), "dir");
  return {
    root,
    outdir: join(root, "dist"),
    dataDir: join(root, "data"),
    remove: () => rm(root, { recursive: true, force: true }),
  };
}

/** The services among the entries that own a database schema (they ship migrations). */
export function servicesWithDatabase(entries: readonly LambdaEntry[]): string[] {
  return [...new Set(entries.map((entry) => entry.service))].filter((service) =>
    existsSync(join(functionsDir, service, "db", "migrations")),
  );
}

export interface LambdaEnvironment {
  /** What the deployed function gets, and nothing from this process's environment. */
  of(entry: LambdaEntry): Record<string, string>;
  /**
   * Drops the login roles the migrator made (roles belong to the whole cluster); after the
   * database, whose schemas they own.
   */
  dropRoles(): Promise<void>;
}

export function lambdaEnvironment(options: {
  /** The database every function uses; the migrator provisions the services' roles on it. */
  databaseUrl: string;
  dataDir: string;
  /** The services the migrator migrates: `servicesWithDatabase(entries)`. */
  services: readonly string[];
}): LambdaEnvironment {
  const { databaseUrl, dataDir, services } = options;
  // This run's own role names, so runs side by side on one cluster never share one.
  const rolePrefix = `slipway_b${randomBytes(4).toString("hex")}`;
  const roleOf = (service: string) => `${rolePrefix}_${service}`;
  // One per run: identity seals its signing keys with it, and every cold start must read them.
  const identityKeySecret = randomBytes(32).toString("hex");

  // The migrator's connections: the administrator's, and each service's as its own role.
  const migrator = (): Record<string, string> => {
    const env: Record<string, string> = { ADMIN_DATABASE_URL: databaseUrl };
    for (const service of services) {
      const url = new URL(databaseUrl);
      url.username = roleOf(service);
      url.password = `pw-${rolePrefix}`;
      env[`${service.toUpperCase()}_DATABASE_URL`] = url.toString();
    }
    return env;
  };

  return {
    of: (entry) => ({
      PATH: process.env.PATH ?? "",
      AWS_LAMBDA_FUNCTION_NAME: `slipway-test-${entry.name}`,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      // Nothing leaves this machine: the discard port refuses connections.
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      BUS: "sns-sqs",
      BUS_NAMESPACE: "slipway-build-test",
      DATABASE_URL: databaseUrl,
      DATA_DIR: dataDir,
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
      IDENTITY_KEY_SECRET: identityKeySecret,
      LOG_LEVEL: "WARN",
      ...(entry.service === "migrator" ? migrator() : {}),
    }),
    dropRoles: () => dropRoles(services.map(roleOf)),
  };
}
