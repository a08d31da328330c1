// drizzle-kit settings for the catalog schema: `npm run db:generate` after changing db/schema.ts.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./functions/catalog/db/schema.ts",
  out: "./functions/catalog/db/migrations",
  schemaFilter: ["catalog"],
});
