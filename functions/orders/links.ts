// The orders configuration's variables that come from resources SST links to its functions
// (database, secrets, other services' URLs); infra/ links exactly these (infra.test.ts).
import {
  type Links,
  linkedDatabaseUrl,
  linkedSecret,
  linkedUrl,
} from "../platform/linked-config.js";

export const ordersLinks = {
  DATABASE_URL: linkedDatabaseUrl("OrdersDatabase"),
  INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
  // PlaceOrder prices the lines at catalog.
  CATALOG_URL: linkedUrl("CatalogApi"),
} satisfies Links;
