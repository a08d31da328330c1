/**
 * Applies a service's drizzle-kit migrations, each service with its own journal table.
 *
 * Drizzle's default journal is one table shared by every service; its migrator only applies
 * entries newer than the latest it has recorded, so a second service's older migrations would
 * be skipped without a word. A journal per service (`drizzle.__<service>_migrations`) avoids it.
 *
 * @example
 * await migrateService(database, { service: "catalog", migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)) });
 */
import type { PgliteDatabase } from "drizzle-orm/pglite";
import { drizzle as drizzlePostgres } from "drizzle-orm/postgres-js";
import { migrate as migratePostgres } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import type { DatabaseHandle } from "./database.js";

export interface MigrateOptions {
  service: string;
  migrationsFolder: string;
}

export async function migrateService(
  database: DatabaseHandle<Record<string, unknown>>,
  { service, migrationsFolder }: MigrateOptions,
): Promise<void> {
  const config = {
    migrationsFolder,
    migrationsSchema: "drizzle",
    migrationsTable: `__${service}_migrations`,
  };
  if (database.kind === "pglite") {
    // One PGlite instance serves one process at a time; no lock is needed.
    const { migrate: migratePglite } = await import("drizzle-orm/pglite/migrator");
    await migratePglite(database.db as unknown as PgliteDatabase, config);
    return;
  }
  // Instances starting together (Lambda cold starts, replicas) must not race on the same
  // migrations: one session holds an advisory lock while it migrates; the others wait and
  // then find nothing left to do.
  const client = postgres(database.url, { max: 1, onnotice: () => {} });
  try {
    await client`select pg_advisory_lock(hashtext(${`slipway:migrate:${service}`}))`;
    await migratePostgres(drizzlePostgres({ client }), config);
  } finally {
    await client.end({ timeout: 5 });
  }
}
