// Opens the identity service's database and brings its schema up to date.
import { fileURLToPath } from "node:url";
import type { Database } from "../../platform/db/database.js";
import { openServiceDatabase } from "../../platform/db/open-service-database.js";
import { schema } from "./schema.js";

export const openIdentityDatabase = (config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}) =>
  openServiceDatabase(config, {
    service: "identity",
    schema,
    migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
  });

export type IdentityDb = Database<typeof schema>;
