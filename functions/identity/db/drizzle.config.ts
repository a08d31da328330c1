// drizzle-kit settings for the identity schema:
// `npx drizzle-kit generate --config functions/identity/db/drizzle.config.ts` after changing db/schema.ts.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./functions/identity/db/schema.ts",
  out: "./functions/identity/db/migrations",
  schemaFilter: ["identity"],
});
