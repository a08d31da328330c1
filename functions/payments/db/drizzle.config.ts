// drizzle-kit settings for the payments schema: `npm run db:generate:payments` after changing
// db/schema.ts.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./functions/payments/db/schema.ts",
  out: "./functions/payments/db/migrations",
  schemaFilter: ["payments"],
});
