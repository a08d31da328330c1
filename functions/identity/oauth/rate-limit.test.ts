// The failure limit: counted in the database, checked before credentials, shared by every
// instance on the database, with a Retry-After that tracks the oldest counted failure.
import { eq, sql } from "drizzle-orm";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../../platform/testing/databases.js";
import { type RunningIdentity, startIdentity } from "../app.js";
import { authFailures } from "../db/schema.js";
import { identityConfig, uniqueEmail, useIdentity } from "../testing.js";
import {
  checkRateLimit,
  clientKey,
  loginKey,
  MAX_FAILURES,
  recordFailure,
  WINDOW_SECONDS,
} from "./rate-limit.js";
import {
  basicAuth,
  pkcePair,
  submitLogin,
  type TestClient,
  type TestUser,
  testClient,
  testUser,
  tokenRequest,
} from "./testing.js";

describe.each(databaseKinds)("rate limit on %s", (kind) => {
  const identity = useIdentity(kind);
  let second: RunningIdentity;
  let user: TestUser;
  let other: TestUser;
  let client: TestClient;
  const { challenge } = pkcePair();
  beforeAll(async () => {
    // A second instance on the same database, as a second Lambda or replica would be.
    second = await startIdentity(
      identityConfig(
        { DATABASE_URL: identity.database.url, DATA_DIR: identity.database.dataDir },
        identity.secret,
      ),
    );
    [user, other] = [await testUser(identity), await testUser(identity)];
    client = await testClient(identity.db, { public: true });
  });
  afterAll(() => second?.close());

  const login = (app: RunningIdentity["app"], who: TestUser, password: string) =>
    submitLogin(app, { client, challenge }, { email: who.email, password });

  it("refuses the 6th sign-in after 5 failures within a minute, even with the right password", async () => {
    for (let attempt = 1; attempt <= MAX_FAILURES; attempt++) {
      expect((await login(identity.app, user, `wrong password ${attempt}`)).status).toBe(401);
    }
    const limited = await login(identity.app, user, user.password);
    expect(limited.status).toBe(429);
    const retryAfter = Number(limited.headers.get("retry-after"));
    expect(Number.isInteger(retryAfter)).toBe(true);
    // The oldest failure is a second or two old: about a whole window to wait.
    expect(retryAfter).toBeGreaterThanOrEqual(WINDOW_SECONDS - 10);
    expect(retryAfter).toBeLessThanOrEqual(WINDOW_SECONDS);
    expect(limited.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(limited.headers.get("cache-control")).toBe("no-store");
    const html = await limited.text();
    expect(html).toContain("Too many failed sign-ins");
    expect(html).not.toContain(user.password);
    // Counted by account, whatever the case of the email typed.
    const upper = await submitLogin(
      identity.app,
      { client, challenge },
      {
        email: user.email.toUpperCase(),
        password: user.password,
      },
    );
    expect(upper.status).toBe(429);
    // Another account is not affected.
    expect((await login(identity.app, other, other.password)).status).toBe(303);
  });

  it("counts failures on both instances of one database together", async () => {
    const email = uniqueEmail("shared");
    const apps = [identity.app, second.app];
    for (let attempt = 0; attempt < MAX_FAILURES; attempt++) {
      const app = apps[attempt % 2] ?? identity.app;
      const response = await submitLogin(app, { client, challenge }, { email, password: "nope" });
      expect(response.status).toBe(401);
    }
    for (const app of apps) {
      const response = await submitLogin(app, { client, challenge }, { email, password: "nope" });
      expect(response.status).toBe(429);
    }

    const machine = await testClient(identity.db, {
      grantTypes: ["client_credentials"],
      scopes: ["catalog:write"],
    });
    const request = (app: RunningIdentity["app"], secret: string) =>
      tokenRequest(app, { grant_type: "client_credentials" }, basicAuth(machine.clientId, secret));
    for (let attempt = 0; attempt < MAX_FAILURES; attempt++) {
      const answer = await request(apps[attempt % 2] ?? identity.app, "wrong-secret");
      expect(answer.status).toBe(401);
    }
    for (const app of apps) {
      const answer = await request(app, machine.secret ?? "");
      expect(answer.status).toBe(429);
      expect(answer.body).toEqual({
        error: "too_many_requests",
        error_description: expect.any(String),
      });
      expect(Number(answer.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
      expect(answer.headers.get("cache-control")).toBe("no-store");
    }
  });

  it("counts failed grants of a client, not only bad secrets", async () => {
    const publicClient = await testClient(identity.db, { public: true });
    for (let attempt = 0; attempt < MAX_FAILURES; attempt++) {
      const answer = await tokenRequest(identity.app, {
        grant_type: "refresh_token",
        refresh_token: `guess-${attempt}`,
        client_id: publicClient.clientId,
      });
      expect(answer.body.error).toBe("invalid_grant");
    }
    const limited = await tokenRequest(identity.app, {
      grant_type: "refresh_token",
      refresh_token: "guess",
      client_id: publicClient.clientId,
    });
    expect(limited.status).toBe(429);
  });

  it("lets attempts through again once the oldest counted failure leaves the window", async () => {
    const key = clientKey(`window-${process.pid}`);
    for (let i = 0; i < MAX_FAILURES; i++) await recordFailure(identity.db, key);
    expect(await checkRateLimit(identity.db, key)).toEqual({
      limited: true,
      retryAfterSeconds: expect.any(Number),
    });
    // Age the failures: the oldest 50 s, the others 10 s.
    await identity.db
      .update(authFailures)
      .set({ at: sql`now() - interval '10 seconds'` })
      .where(eq(authFailures.key, key));
    const [oldest] = await identity.db
      .select({ at: authFailures.at })
      .from(authFailures)
      .where(eq(authFailures.key, key))
      .limit(1);
    await identity.db
      .update(authFailures)
      .set({ at: sql`now() - interval '50 seconds'` })
      .where(
        sql`${authFailures.key} = ${key} and ctid = (select ctid from ${authFailures} where ${authFailures.key} = ${key} limit 1)`,
      );
    expect(oldest).toBeDefined();
    const limit = await checkRateLimit(identity.db, key);
    expect(limit).toEqual({ limited: true, retryAfterSeconds: expect.any(Number) });
    if (limit.limited) {
      expect(limit.retryAfterSeconds).toBeGreaterThanOrEqual(9);
      expect(limit.retryAfterSeconds).toBeLessThanOrEqual(11);
    }
    await identity.db
      .update(authFailures)
      .set({ at: sql`now() - interval '61 seconds'` })
      .where(eq(authFailures.key, key));
    expect(await checkRateLimit(identity.db, key)).toEqual({ limited: false });
  });

  it("deletes failures past the window as it records new ones", async () => {
    const stale = loginKey(`stale-${process.pid}@example.com`);
    await recordFailure(identity.db, stale);
    await identity.db
      .update(authFailures)
      .set({ at: sql`now() - interval '2 minutes'` })
      .where(eq(authFailures.key, stale));
    await recordFailure(identity.db, clientKey("someone-else"));
    expect(await identity.db.$count(authFailures, eq(authFailures.key, stale))).toBe(0);
  });
});
