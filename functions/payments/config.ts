// The payments service's configuration, read from the environment once per process.
import * as v from "valibot";
import { internalCredentialConfig } from "../platform/auth/internal-credential.js";
import { busConfig } from "../platform/bus/config.js";
import { logLevel, port } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";

export const PaymentsConfig = v.object({
  ...databaseConfig,
  ...busConfig,
  ...internalCredentialConfig,
  PORT_PAYMENTS: port(3004),
  LOG_LEVEL: logLevel,
});

export type PaymentsConfig = v.InferOutput<typeof PaymentsConfig>;
