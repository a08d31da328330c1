// The gateway's configuration, read from the environment once per process.
import * as v from "valibot";
import { internalCredentialConfig } from "../platform/auth/internal-credential.js";
import {
  httpUrl,
  logLevel,
  port,
  positiveInteger,
  rpcTimeoutMs,
  tokenIssuer,
} from "../platform/config.js";
import { httpUrlList } from "../platform/rpc/config.js";

export const GatewayConfig = v.object({
  ...internalCredentialConfig,
  PORT_GATEWAY: port(3000),
  /** Where the catalog service's Connect API answers. */
  CATALOG_URL: v.optional(httpUrl, "http://127.0.0.1:3002"),
  /** Its replicas, comma-separated, called in turn; overrides CATALOG_URL. */
  CATALOG_URLS: httpUrlList,
  /** Where the identity service answers: Connect, OAuth endpoints and its key set. */
  IDENTITY_URL: v.optional(httpUrl, "http://127.0.0.1:3001"),
  /** Its replicas, comma-separated, called in turn; overrides IDENTITY_URL. */
  IDENTITY_URLS: httpUrlList,
  /** Where the orders service's Connect API answers. */
  ORDERS_URL: v.optional(httpUrl, "http://127.0.0.1:3003"),
  /** Its replicas, comma-separated, called in turn; overrides ORDERS_URL. */
  ORDERS_URLS: httpUrlList,
  /** Where the payments service answers (the gateway asks only its readiness). */
  PAYMENTS_URL: v.optional(httpUrl, "http://127.0.0.1:3004"),
  /** Its replicas, comma-separated, called in turn; overrides PAYMENTS_URL. */
  PAYMENTS_URLS: httpUrlList,
  /**
   * This gateway's public base URL: the `iss` access tokens must carry (identity is told the
   * same), and the base of the OAuth URLs in /openapi.json. Compared as a string, exactly.
   */
  TOKEN_ISSUER: tokenIssuer,
  /** Deadline of each call to a service, in milliseconds; services accept at most 60 s. */
  RPC_TIMEOUT_MS: rpcTimeoutMs,
  /** Largest request body accepted, in bytes; larger ones get 413. */
  BODY_LIMIT_BYTES: positiveInteger(64 * 1024),
  LOG_LEVEL: logLevel,
});

export type GatewayConfig = v.InferOutput<typeof GatewayConfig>;
