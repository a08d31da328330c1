/**
 * `npm run catalog:rebuild-listing`: rebuilds the catalog's product listing (read model) from
 * its products (write model), against DATABASE_URL or the embedded database.
 */

import * as v from "valibot";
import { openCatalogDatabase } from "../catalog/db/open.js";
import { rebuildListing } from "../catalog/features/project-listing/rebuild-listing.js";
import { ConfigError, loadConfig } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";

async function main(): Promise<void> {
  const database = await openCatalogDatabase(loadConfig(v.object(databaseConfig)));
  try {
    const rows = await rebuildListing(database.db);
    process.stdout.write(`listing rebuilt: ${rows} product(s)\n`);
  } finally {
    await database.close();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `rebuild failed: ${(error as Error).message}\n`,
  );
  process.exit(1);
});
