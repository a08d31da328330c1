// drizzle-kit settings for the embedded bus's own tables.
import { defineConfig } from "drizzle-kit";

export default defineConfig({
  dialect: "postgresql",
  schema: "./functions/platform/bus/embedded/schema.ts",
  out: "./functions/platform/bus/embedded/migrations",
  schemaFilter: ["bus"],
});
