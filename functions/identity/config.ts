// The identity service's configuration, read from the environment once per process.
import * as v from "valibot";
import { logLevel, port } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";
import { objectMessage } from "../platform/validation/rules.js";

export const IdentityConfig = v.object(
  {
    ...databaseConfig,
    PORT_IDENTITY: port(3001),
    LOG_LEVEL: logLevel,
    /**
     * Seals the signing keys at rest. Random, at least 32 characters (the local runner makes
     * one); changing it makes the stored keys unreadable. Messages never echo its value.
     */
    IDENTITY_KEY_SECRET: v.pipe(
      v.string("is required"),
      v.minLength(32, "must be at least 32 characters"),
    ),
  },
  // A missing variable reads "is required".
  objectMessage,
);

export type IdentityConfig = v.InferOutput<typeof IdentityConfig>;
