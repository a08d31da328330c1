// The identity service's configuration, read from the environment once per process.
import * as v from "valibot";
import { internalCredentialConfig } from "../platform/auth/internal-credential.js";
import { logLevel, port, positiveInteger, tokenIssuer } from "../platform/config.js";
import { databaseConfig } from "../platform/db/config.js";
import { objectMessage } from "../platform/validation/rules.js";
import { MAX_TOKEN_LIFETIME_SECONDS } from "./signing-keys/signing-keys.js";

const DAY_SECONDS = 24 * 60 * 60;

export const IdentityConfig = v.object(
  {
    ...databaseConfig,
    ...internalCredentialConfig,
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
    /**
     * The public base URL of the gateway, which fronts identity: the `iss` of every token and
     * the base of every URL in the authorization server metadata. Verifiers compare `iss` as a
     * string, so it is taken exactly as given: no trailing slash, query or fragment.
     */
    TOKEN_ISSUER: tokenIssuer,
    /** Lifetime of access tokens; the signing keys' verify window assumes at most 15 minutes. */
    ACCESS_TOKEN_TTL_SECONDS: v.pipe(
      positiveInteger(MAX_TOKEN_LIFETIME_SECONDS),
      v.maxValue(MAX_TOKEN_LIFETIME_SECONDS, `must be at most ${MAX_TOKEN_LIFETIME_SECONDS}`),
    ),
    /** Age after which the signing key is rotated (checked hourly; see signing-keys.ts). */
    SIGNING_KEY_ROTATION_DAYS: v.pipe(positiveInteger(30), v.maxValue(365, "must be at most 365")),
    /** Lifetime of each refresh token; every refresh issues a new one with a fresh lifetime. */
    REFRESH_TOKEN_TTL_SECONDS: v.pipe(
      positiveInteger(30 * DAY_SECONDS),
      v.maxValue(365 * DAY_SECONDS, `must be at most ${365 * DAY_SECONDS}`),
    ),
  },
  // A missing variable reads "is required".
  objectMessage,
);

export type IdentityConfig = v.InferOutput<typeof IdentityConfig>;
