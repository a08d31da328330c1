/**
 * Database access for a service: a Drizzle instance over postgres.js when a connection URL is
 * given, or over PGlite (embedded Postgres in WebAssembly) kept under a data directory.
 *
 * Every service owns one Postgres schema; its tables are declared with `pgSchema(<service>)`,
 * so services can share one database (and, embedded, one PGlite instance) without touching
 * each other's tables. Queries made inside a trace get a CLIENT span each (tracing.ts).
 *
 * @example
 * const database = await openDatabase({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, schema });
 * await migrateService(database, { service: "catalog", migrationsFolder });
 * await database.db.select().from(products);
 * await database.close();
 */
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import type { PGlite } from "@electric-sql/pglite";
import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { tracePglite, tracePostgres } from "./tracing.js";

export type Database<TSchema extends Record<string, unknown>> = PgDatabase<
  PgQueryResultHKT,
  TSchema
>;

export type DatabaseHandle<TSchema extends Record<string, unknown>> =
  | { kind: "postgres"; db: Database<TSchema>; url: string; close(): Promise<void> }
  | { kind: "pglite"; db: Database<TSchema>; client: PGlite; close(): Promise<void> };

export interface OpenDatabaseOptions<TSchema extends Record<string, unknown>> {
  /** postgres:// URL; when absent the embedded PGlite database is used. */
  url?: string | undefined;
  /** Directory of the embedded database; ignored when `url` is set. */
  dataDir: string;
  schema: TSchema;
  /** Connections in the postgres.js pool. Lambda wants 1-2; a long-lived server more. */
  maxConnections?: number;
}

export async function openDatabase<TSchema extends Record<string, unknown>>(
  options: OpenDatabaseOptions<TSchema>,
): Promise<DatabaseHandle<TSchema>> {
  const { url, schema } = options;
  if (url) {
    const client = postgres(url, {
      max: options.maxConnections ?? 10,
      onnotice: () => {},
      // Keep bigint columns exact; drizzle converts per column mode.
      types: { bigint: postgres.BigInt },
    });
    const db = drizzlePostgres({
      client: tracePostgres(client),
      schema,
    }) as unknown as Database<TSchema>;
    return { kind: "postgres", db, url, close: () => client.end({ timeout: 5 }) };
  }
  const lease = await leaseEmbedded(options.dataDir);
  const { drizzle: drizzlePglite } = await import("drizzle-orm/pglite");
  const db = drizzlePglite({
    client: tracePglite(lease.client),
    schema,
  }) as unknown as Database<TSchema>;
  return { kind: "pglite", db, client: lease.client, close: lease.release };
}

// PGlite is heavy (hundreds of MB, about a second to open) and a data directory can only be
// opened once per process, so every service in the process shares one instance per directory.
const embedded = new Map<
  string,
  { opened: Promise<{ client: PGlite; unlock(): Promise<void> }>; users: number }
>();

async function leaseEmbedded(dataDir: string) {
  let entry = embedded.get(dataDir);
  if (!entry) {
    entry = { opened: openPglite(dataDir), users: 0 };
    embedded.set(dataDir, entry);
  }
  entry.users += 1;
  const current = entry;
  let opened: { client: PGlite; unlock(): Promise<void> };
  try {
    opened = await current.opened;
  } catch (error) {
    embedded.delete(dataDir);
    throw error;
  }
  const { client } = opened;
  let released = false;
  return {
    client,
    release: async () => {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users === 0) {
        embedded.delete(dataDir);
        await client.close();
        await opened.unlock();
      }
    },
  };
}

async function openPglite(dataDir: string): Promise<{ client: PGlite; unlock(): Promise<void> }> {
  // Loaded on first use: half a megabyte that a Lambda (always DATABASE_URL) never needs.
  const { PGlite } = await import("@electric-sql/pglite");
  // "memory://" keeps everything in memory (tests); anything else is a directory on disk.
  if (dataDir.startsWith("memory://")) {
    return { client: await PGlite.create(dataDir), unlock: async () => {} };
  }
  await mkdir(dataDir, { recursive: true });
  const unlock = await lockDataDir(dataDir);
  try {
    return { client: await PGlite.create(dataDir), unlock };
  } catch (error) {
    await unlock();
    throw error;
  }
}

/**
 * PGlite has no lock of its own: two processes on one data directory each think they own it
 * and silently lose each other's writes. A lock file with the owner's pid keeps the second
 * one out; a lock left by a process that died (kill -9) is taken over.
 */
async function lockDataDir(dataDir: string): Promise<() => Promise<void>> {
  const lockPath = `${dataDir}.lock`;
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      await writeFile(lockPath, String(process.pid), { flag: "wx" });
      return () => rm(lockPath, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const owner = Number((await readFile(lockPath, "utf8").catch(() => "")).trim());
      if (owner && isRunning(owner)) {
        throw new Error(
          `the embedded database in ${dataDir} is in use by process ${owner}; stop that process or set DATA_DIR to another directory`,
        );
      }
      await rm(lockPath, { force: true });
    }
  }
  throw new Error(`could not lock ${dataDir}`);
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}
