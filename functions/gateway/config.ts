// The gateway's configuration, read from the environment once per process.
import * as v from "valibot";
import { httpUrl, logLevel, port, positiveInteger } from "../platform/config.js";

export const GatewayConfig = v.object({
  PORT_GATEWAY: port(3000),
  /** Where the catalog service's Connect API answers. */
  CATALOG_URL: v.optional(httpUrl, "http://127.0.0.1:3002"),
  /** Deadline of each call to a service, in milliseconds; services accept at most 60 s. */
  RPC_TIMEOUT_MS: v.pipe(positiveInteger(5000), v.maxValue(60_000, "must be at most 60000")),
  /** Largest request body accepted, in bytes; larger ones get 413. */
  BODY_LIMIT_BYTES: positiveInteger(64 * 1024),
  LOG_LEVEL: logLevel,
});

export type GatewayConfig = v.InferOutput<typeof GatewayConfig>;
