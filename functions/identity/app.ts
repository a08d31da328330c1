// Composition root of the identity service: builds its dependencies once and mounts every slice.
import { Hono } from "hono";
import {
  GetUserRequestSchema,
  IdentityService,
  RegisterUserRequestSchema,
} from "../gen/identity/v1/identity_pb.js";
import { createCredentialCheck, methodPolicy } from "../platform/auth/internal-credential.js";
import { serviceReadiness } from "../platform/health/checks.js";
import type { Readiness } from "../platform/health/readiness.js";
import { mountHealth } from "../platform/health/routes.js";
import { traceRequests } from "../platform/http/trace-middleware.js";
import { createLogger, type Logger } from "../platform/logger.js";
import { requestLogContext } from "../platform/logging/log-context.js";
import { metricsHandler } from "../platform/metrics/exposition.js";
import { createErrorInterceptor } from "../platform/rpc/errors.js";
import { mountConnect } from "../platform/rpc/serve.js";
import {
  assertEveryMethodHasRules,
  createValidationInterceptor,
  requestRules,
} from "../platform/rpc/validate.js";
import type { IdentityConfig } from "./config.js";
import { type IdentityDb, openIdentityDatabase } from "./db/open.js";
import { getUser, getUserRules } from "./features/get-user/get-user.js";
import { registerUser, registerUserRules } from "./features/register-user/register-user.js";
import type { OAuthConfig } from "./oauth/deps.js";
import { pruneOAuth } from "./oauth/prune.js";
import { mountOAuth } from "./oauth/routes.js";
import {
  ensureActiveKey,
  publicJwks,
  rotateKeyIfDue,
  signingKey,
} from "./signing-keys/signing-keys.js";

export const SERVICE_NAME = "identity";

const rules = requestRules([
  [RegisterUserRequestSchema, registerUserRules],
  [GetUserRequestSchema, getUserRules],
]);
assertEveryMethodHasRules([IdentityService], rules);

// Registration is public behind the gateway; GetUser checks who asks itself (own profile only).
const policy = methodPolicy(IdentityService, { registerUser: [], getUser: [] });

/** How long verifiers may cache the JWKS; they refetch on an unknown kid anyway. */
const JWKS_MAX_AGE_SECONDS = 300;

export interface IdentityDeps {
  db: IdentityDb;
  logger: Logger;
  config: OAuthConfig & Pick<IdentityConfig, "INTERNAL_TOKEN_SECRET">;
  /** What GET /health/ready checks (startIdentity: its database); liveness only without it. */
  readiness?: Readiness;
}

/** The identity service's HTTP app: Connect routes, the JWKS, OAuth and health probes. */
export function createIdentityApp({ db, logger, config, readiness }: IdentityDeps): Hono {
  const app = new Hono();
  app.use(traceRequests());
  app.use(requestLogContext({ logger }));
  mountHealth(app, readiness);
  // Local runs read the process's counters here; in Lambda they go out as EMF instead.
  app.get("/metrics", metricsHandler());
  app.get("/.well-known/jwks.json", async (c) => {
    c.header("cache-control", `public, max-age=${JWKS_MAX_AGE_SECONDS}`);
    return c.json(await publicJwks(db));
  });
  mountOAuth(app, { db, logger, config });
  mountConnect(
    app,
    (router) =>
      router.service(IdentityService, {
        registerUser: registerUser(db),
        getUser: getUser(db),
      }),
    {
      interceptors: [
        createErrorInterceptor(logger),
        createCredentialCheck({
          secret: config.INTERNAL_TOKEN_SECRET,
          service: SERVICE_NAME,
          policy,
        }),
        createValidationInterceptor(rules),
      ],
    },
  );
  return app;
}

export interface RunningIdentity {
  app: Hono;
  db: IdentityDb;
  /** Deletes authorization codes and refresh tokens long expired; run it now and then. */
  prune(): Promise<{ codes: number; refreshTokens: number }>;
  /** Rotates the signing key once it is SIGNING_KEY_ROTATION_DAYS old; run it hourly. */
  rotateKeyIfDue(): Promise<{ kid: string; activatesAt: Date } | undefined>;
  close(): Promise<void>;
}

/**
 * Opens the database, applies pending migrations, makes sure a signing key is active and that
 * IDENTITY_KEY_SECRET opens it (a changed secret fails here, not at the first token).
 */
export async function startIdentity(config: IdentityConfig): Promise<RunningIdentity> {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const database = await openIdentityDatabase(config);
  const db = database.db;
  try {
    await ensureActiveKey(db, config.IDENTITY_KEY_SECRET);
    const { kid } = await signingKey(db, config.IDENTITY_KEY_SECRET);
    logger.info("signing key ready", { kid });
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    app: createIdentityApp({ db, logger, config, readiness: serviceReadiness({ db }) }),
    db,
    prune: () => pruneOAuth(db),
    rotateKeyIfDue: async () => {
      const maxAge = config.SIGNING_KEY_ROTATION_DAYS * 24 * 60 * 60;
      const rotated = await rotateKeyIfDue(db, config.IDENTITY_KEY_SECRET, maxAge);
      if (rotated) logger.info("signing key rotated", rotated);
      return rotated;
    },
    close: database.close,
  };
}
