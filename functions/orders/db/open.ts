// Opens the orders database and brings its schema up to date.
import { fileURLToPath } from "node:url";
import { openServiceDatabase } from "../../platform/db/open-service-database.js";
import { schema } from "./schema.js";

export const openOrdersDatabase = (config: {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
}) =>
  openServiceDatabase(config, {
    service: "orders",
    schema,
    migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
  });
