// The catalog service's configuration, read from the environment once per process.
import * as v from "valibot";
import { internalCredentialConfig } from "../platform/auth/internal-credential.js";
import { busConfig } from "../platform/bus/config.js";
import { logLevel, port } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";

export const CatalogConfig = v.object({
  ...databaseConfig,
  ...busConfig,
  ...internalCredentialConfig,
  PORT_CATALOG: port(3002),
  LOG_LEVEL: logLevel,
});

export type CatalogConfig = v.InferOutput<typeof CatalogConfig>;
