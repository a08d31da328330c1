// The catalog service's configuration, read from the environment once per process.
import * as v from "valibot";
import { internalCredentialConfig } from "../platform/auth/internal-credential.js";
import { busConfig } from "../platform/bus/config.js";
import { logLevel, port, positiveInteger } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";

export const CatalogConfig = v.object({
  ...databaseConfig,
  ...busConfig,
  ...internalCredentialConfig,
  PORT_CATALOG: port(3002),
  LOG_LEVEL: logLevel,
  /** How long a reservation holds an order's stock; StockReserved tells payments and orders. */
  RESERVATION_TTL_SECONDS: positiveInteger(300),
  /**
   * How long past its expiry a reservation is still kept before the expiry job releases it:
   * an outcome decided just in time (orders compares with the expiry) may still be on its way.
   */
  RESERVATION_GRACE_SECONDS: positiveInteger(60),
});

export type CatalogConfig = v.InferOutput<typeof CatalogConfig>;
