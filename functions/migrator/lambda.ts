// AWS Lambda entry of the migrator, invoked once by every deploy (infra/migrator.ts): each
// service's role and schema brought up to date before traffic reaches new code. A failure
// fails the deploy.
import * as v from "valibot";
import { logLevel } from "../platform/config.js";
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { migratorLinks } from "./links.js";
import { migrateAll } from "./migrate-all.js";

const postgresUrl = v.pipe(
  v.string("is required"),
  v.regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL"),
);

const MigratorConfig = v.object({
  ADMIN_DATABASE_URL: postgresUrl,
  IDENTITY_DATABASE_URL: postgresUrl,
  CATALOG_DATABASE_URL: postgresUrl,
  ORDERS_DATABASE_URL: postgresUrl,
  PAYMENTS_DATABASE_URL: postgresUrl,
  LOG_LEVEL: logLevel,
});

const config = loadLinkedConfig(MigratorConfig, migratorLinks);
const logger = createLogger("migrator", config.LOG_LEVEL);

export const handler = flushedAfterEachInvocation(async () => ({
  migrated: await migrateAll({
    adminUrl: config.ADMIN_DATABASE_URL,
    serviceUrls: {
      identity: config.IDENTITY_DATABASE_URL,
      catalog: config.CATALOG_DATABASE_URL,
      orders: config.ORDERS_DATABASE_URL,
      payments: config.PAYMENTS_DATABASE_URL,
    },
    logger,
  }),
}));
