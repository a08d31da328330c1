// Opens the catalog's database and brings its schema up to date.
import { fileURLToPath } from "node:url";
import { embeddedDataDir } from "../../platform/db/config.js";
import { type DatabaseHandle, openDatabase } from "../../platform/db/database.js";
import { migrateService } from "../../platform/db/migrate.js";
import { schema } from "./schema.js";

export async function openCatalogDatabase(config: {
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
      service: "catalog",
      migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  return database;
}
