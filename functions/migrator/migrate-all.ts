/**
 * Brings every service's database up to date, as a deploy does before new code runs: each
 * service's login role (provisioned as the administrator, with the password its functions are
 * linked with), then each service's migrations applied as that role, so what they create is its
 * own; the services' migrations run side by side.
 *
 * Safe to run again: provisioning and migrations are idempotent, and each service's migrations
 * hold an advisory lock, so functions cold-starting meanwhile wait rather than race.
 *
 * @example
 * await migrateAll({ adminUrl, serviceUrls: { catalog: "postgres://slipway_catalog:…@proxy/slipway", … } });
 */
import postgres from "postgres";
import { openCatalogDatabase } from "../catalog/db/open.js";
import { openIdentityDatabase } from "../identity/db/open.js";
import { openOrdersDatabase } from "../orders/db/open.js";
import { openPaymentsDatabase } from "../payments/db/open.js";
import { provisionServiceRole } from "../platform/db/provision.js";
import type { Logger } from "../platform/logger.js";
import { type ServiceWithDatabase, servicesWithDatabase } from "./services.js";

/** How each service with a database opens (and migrates) it. */
const migrators: Record<
  ServiceWithDatabase,
  (config: { DATABASE_URL: string; DATA_DIR: string }) => Promise<{ close(): Promise<void> }>
> = {
  identity: openIdentityDatabase,
  catalog: openCatalogDatabase,
  orders: openOrdersDatabase,
  payments: openPaymentsDatabase,
};

export interface MigrateAllOptions {
  /** The administrator's connection (the database's master user). */
  adminUrl: string;
  /** Each service's connection as its own role: the role's name and password are taken from it. */
  serviceUrls: Record<ServiceWithDatabase, string>;
  logger?: Logger;
}

export async function migrateAll({
  adminUrl,
  serviceUrls,
  logger,
}: MigrateAllOptions): Promise<{ service: string; role: string }[]> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const provisioned: { service: ServiceWithDatabase; role: string; url: URL }[] = [];
  try {
    for (const service of servicesWithDatabase) {
      const url = new URL(serviceUrls[service]);
      const { role } = await provisionServiceRole(admin, {
        service,
        role: decodeURIComponent(url.username),
        password: decodeURIComponent(url.password),
      });
      provisioned.push({ service, role, url });
    }
  } finally {
    await admin.end({ timeout: 5 });
  }
  // Side by side: each service migrates its own schema, as its own role, on its own connection.
  const migrated = await Promise.allSettled(
    provisioned.map(async ({ service, role, url }) => {
      const started = performance.now();
      const database = await migrators[service]({ DATABASE_URL: url.toString(), DATA_DIR: "" });
      await database.close();
      logger?.info("service database migrated", {
        schema: service,
        role,
        duration_ms: Math.round(performance.now() - started),
      });
    }),
  );
  const failures = migrated.flatMap((result, i) =>
    result.status === "rejected" ? [{ schema: provisioned[i]?.service, error: result.reason }] : [],
  );
  for (const failure of failures) logger?.error("service database migration failed", failure);
  if (failures[0]) throw failures[0].error;
  return provisioned.map(({ service, role }) => ({ service, role }));
}
