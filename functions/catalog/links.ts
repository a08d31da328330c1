// The catalog configuration's variables that come from resources SST links to its functions
// (database, secrets, other services' URLs); infra/ links exactly these (infra.test.ts).
import { type Links, linkedDatabaseUrl, linkedSecret } from "../platform/linked-config.js";

export const catalogLinks = {
  DATABASE_URL: linkedDatabaseUrl("CatalogDatabase"),
  INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
} satisfies Links;
