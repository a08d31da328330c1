/**
 * Test harness for the identity service: a running identity on a fresh database of the given
 * kind, and a Connect client that calls it through its real HTTP app (interceptors included),
 * in process.
 *
 * @example
 * describe.each(databaseKinds)("get-user on %s", (kind) => {
 *   const identity = useIdentity(kind);
 *   it("finds it", async () => { await identity.client.getUser({ id }); });
 * });
 */
import { randomBytes } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import type { Hono } from "hono";
import { afterAll, beforeAll } from "vitest";
import { IdentityService } from "../gen/identity/v1/identity_pb.js";
import { serviceCaller } from "../platform/auth/internal-credential.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { loadConfig } from "../platform/config.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { testCredentials } from "../platform/testing/credentials.js";
import {
  createTestDatabase,
  type DatabaseKind,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { type RunningIdentity, startIdentity } from "./app.js";
import { IdentityConfig } from "./config.js";
import type { IdentityDb } from "./db/open.js";

export interface IdentityUnderTest {
  app: Hono;
  db: IdentityDb;
  client: Client<typeof IdentityService>;
  /** The IDENTITY_KEY_SECRET this identity runs with. */
  secret: string;
  config: IdentityConfig;
  database: TestDatabase;
}

/** The TOKEN_ISSUER of identities under test: tokens' `iss`, the base of the metadata URLs. */
export const TEST_ISSUER = "https://slipway.test";

/** A random IDENTITY_KEY_SECRET, as the local runner makes one. */
export const newKeySecret = () => randomBytes(32).toString("base64url");

export function identityConfig(
  where: { DATABASE_URL: string | undefined; DATA_DIR: string },
  secret: string,
  logLevel = "SILENT",
  overrides: Record<string, string> = {},
): IdentityConfig {
  return loadConfig(IdentityConfig, {
    DATABASE_URL: where.DATABASE_URL,
    DATA_DIR: where.DATA_DIR,
    LOG_LEVEL: logLevel,
    IDENTITY_KEY_SECRET: secret,
    TOKEN_ISSUER: TEST_ISSUER,
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
    ...overrides,
  });
}

/** Starts an identity before the file's tests and stops it (dropping its database) after. */
export function useIdentity(kind: DatabaseKind): IdentityUnderTest {
  const harness = {} as IdentityUnderTest;
  let identity: RunningIdentity | undefined;
  beforeAll(async () => {
    harness.database = await createTestDatabase(kind);
    harness.secret = newKeySecret();
    harness.config = identityConfig(
      { DATABASE_URL: harness.database.url, DATA_DIR: harness.database.dataDir },
      harness.secret,
    );
    identity = await startIdentity(harness.config);
    harness.app = identity.app;
    harness.db = identity.db;
    harness.client = createServiceClient(IdentityService, {
      baseUrl: "http://identity.test",
      timeoutMs: 10_000,
      fetch: inProcessFetch(identity.app),
      interceptors: [testCredentials("identity", serviceCaller("test"))],
    });
  });
  afterAll(async () => {
    await identity?.close();
    await harness.database?.drop();
  });
  return harness;
}

let emailCounter = 0;

/** An email no other test in this process uses. */
export function uniqueEmail(prefix = "user"): string {
  emailCounter += 1;
  return `${prefix}.${process.pid}.${emailCounter}@example.com`;
}
