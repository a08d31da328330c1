// The migrator's variables that come from resources SST links to it: the administrator's
// connection (the Postgres component) and each service's own (its role's Linkable).
import { type Links, linkedDatabaseUrl } from "../platform/linked-config.js";

export const migratorLinks = {
  ADMIN_DATABASE_URL: linkedDatabaseUrl("Database"),
  IDENTITY_DATABASE_URL: linkedDatabaseUrl("IdentityDatabase"),
  CATALOG_DATABASE_URL: linkedDatabaseUrl("CatalogDatabase"),
  ORDERS_DATABASE_URL: linkedDatabaseUrl("OrdersDatabase"),
  PAYMENTS_DATABASE_URL: linkedDatabaseUrl("PaymentsDatabase"),
} satisfies Links;
