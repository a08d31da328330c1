/**
 * A service's database, ready to use: opened from DATABASE_URL or the shared embedded database
 * under DATA_DIR, with the service's own migrations applied (its own journal table).
 *
 * @example
 * const database = await openServiceDatabase(config, {
 *   service: "catalog",
 *   schema,
 *   migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
 * });
 */
import { embeddedDataDir } from "./config.js";
import { type DatabaseHandle, openDatabase } from "./database.js";
import { migrateService } from "./migrate.js";

export async function openServiceDatabase<TSchema extends Record<string, unknown>>(
  config: { DATABASE_URL?: string | undefined; DATA_DIR: string },
  service: { service: string; schema: TSchema; migrationsFolder: string },
): Promise<DatabaseHandle<TSchema>> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: embeddedDataDir(config.DATA_DIR),
    schema: service.schema,
  });
  try {
    await migrateService(database as DatabaseHandle<Record<string, unknown>>, service);
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
