// The orders service's configuration, read from the environment once per process.
import * as v from "valibot";
import { internalCredentialConfig } from "../platform/auth/internal-credential.js";
import { busConfig } from "../platform/bus/config.js";
import { httpUrl, logLevel, port, rpcTimeoutMs } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";
import { httpUrlList } from "../platform/rpc/config.js";

export const OrdersConfig = v.object({
  ...databaseConfig,
  ...busConfig,
  ...internalCredentialConfig,
  PORT_ORDERS: port(3003),
  /** Where the catalog service's Connect API answers: PlaceOrder prices lines there. */
  CATALOG_URL: v.optional(httpUrl, "http://127.0.0.1:3002"),
  /** Catalog's replicas, comma-separated, called in turn; overrides CATALOG_URL. */
  CATALOG_URLS: httpUrlList,
  /** Deadline of each call to catalog, in milliseconds; services accept at most 60 s. */
  RPC_TIMEOUT_MS: rpcTimeoutMs,
  LOG_LEVEL: logLevel,
});

export type OrdersConfig = v.InferOutput<typeof OrdersConfig>;
