// The gateway configuration's variables that come from resources SST links to its functions
// (database, secrets, other services' URLs); infra/ links exactly these (infra.test.ts).
import { type Links, linkedSecret, linkedUrl } from "../platform/linked-config.js";

export const gatewayLinks = {
  INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
  CATALOG_URL: linkedUrl("CatalogApi"),
  IDENTITY_URL: linkedUrl("IdentityApi"),
  ORDERS_URL: linkedUrl("OrdersApi"),
  PAYMENTS_URL: linkedUrl("PaymentsApi"),
  TOKEN_ISSUER: linkedUrl("Api"),
} satisfies Links;
