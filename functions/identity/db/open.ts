// Opens the identity service's database and brings its schema up to date.
import { fileURLToPath } from "node:url";
import { embeddedDataDir } from "../../platform/db/config.js";
import { type Database, type DatabaseHandle, openDatabase } from "../../platform/db/database.js";
import { migrateService } from "../../platform/db/migrate.js";
import { schema } from "./schema.js";

export async function openIdentityDatabase(config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}): Promise<DatabaseHandle<typeof schema>> {
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: embeddedDataDir(config.DATA_DIR),
    schema,
  });
  try {
    await migrateService(database, {
      service: "identity",
      migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}

export type IdentityDb = Database<typeof schema>;
