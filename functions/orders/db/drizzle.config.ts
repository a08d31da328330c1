// drizzle-kit settings for the orders schema: `npm run db:generate:orders` after changing db/schema.ts.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./functions/orders/db/schema.ts",
  out: "./functions/orders/db/migrations",
  schemaFilter: ["orders"],
});
