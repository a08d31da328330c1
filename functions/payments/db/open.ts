// Opens the payments service's database and brings its schema up to date.
import { fileURLToPath } from "node:url";
import { openServiceDatabase } from "../../platform/db/open-service-database.js";
import { schema } from "./schema.js";

export const openPaymentsDatabase = (config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}) =>
  openServiceDatabase(config, {
    service: "payments",
    schema,
    migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
  });
