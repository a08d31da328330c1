// Acceptance (key rotation), end to end in process: a gateway that trusts identity's published
// key set keeps accepting tokens of the previous key until they expire, accepts the new key's
// tokens without a restart or a refused request, and two identity instances on one database
// serve the same key set and sign with the same key.
import { eq, sql } from "drizzle-orm";
import { decodeProtectedHeader } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningIdentity, startIdentity } from "../identity/app.js";
import { signingKeys } from "../identity/db/schema.js";
import { basicAuth, type TestClient, testClient, tokenRequest } from "../identity/oauth/testing.js";
import { rotateKey, VERIFY_WINDOW_SECONDS } from "../identity/signing-keys/signing-keys.js";
import { identityConfig } from "../identity/testing.js";
import { databaseKinds } from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { startGateway } from "./services.js";
import { authorized, json, productBody, testGatewayConfig, useGateway } from "./testing.js";

describe.each(databaseKinds)("signing key rotation behind the gateway on %s", (kind) => {
  const gateway = useGateway(kind, { identity: true });
  let second: RunningIdentity;
  let admin: TestClient;
  let keySetFetches = 0;

  /** A gateway as deployed: it trusts identity's key set, fetched over identity's HTTP app. */
  const deployed = () => {
    const identity = inProcessFetch(gateway.identity.app);
    return startGateway(testGatewayConfig, {
      upstreams: {
        catalog: inProcessFetch(gateway.catalog.app),
        identity: (input, init) => {
          if (new Request(input).url.endsWith("/.well-known/jwks.json")) keySetFetches += 1;
          return identity(input, init);
        },
      },
    });
  };

  beforeAll(async () => {
    const where = {
      DATABASE_URL: gateway.identity.database.url,
      DATA_DIR: gateway.identity.database.dataDir,
    };
    second = await startIdentity(identityConfig(where, gateway.identity.secret));
    admin = await testClient(gateway.identity.db, {
      grantTypes: ["client_credentials"],
      scopes: ["catalog:write"],
    });
  });
  afterAll(() => second?.close());

  const adminToken = async (identity: { app: RunningIdentity["app"] }) => {
    const answer = await tokenRequest(
      identity.app,
      { grant_type: "client_credentials", scope: "catalog:write" },
      basicAuth(admin.clientId, admin.secret ?? ""),
    );
    expect(answer.status).toBe(200);
    return String(answer.body.access_token);
  };
  const kidOf = (token: string) => decodeProtectedHeader(token).kid;
  const keySet = async (app: RunningIdentity["app"]) =>
    (await app.request("/.well-known/jwks.json")).json() as Promise<{ keys: { kid: string }[] }>;
  let sku = 0;
  const create = (app: ReturnType<typeof deployed>, token: string) =>
    app.request(
      "/v1/products",
      authorized(json("POST", productBody(`ROTATE-${kind}-${process.pid}-${++sku}`)), token),
    );

  it("accepts old and new tokens across a rotation, with no restart and no refusal", async () => {
    const app = deployed();
    const before = await adminToken(gateway.identity);
    const oldKid = kidOf(before);

    // Rotating publishes the new key; both instances serve it at once, the old key still signs.
    const { kid: newKid } = await rotateKey(gateway.identity.db, gateway.identity.secret);
    const [one, two] = await Promise.all([keySet(gateway.identity.app), keySet(second.app)]);
    expect(two).toEqual(one);
    expect(one.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    expect(kidOf(await adminToken(second))).toBe(oldKid);

    expect((await create(app, before)).status).toBe(201);
    expect(keySetFetches).toBe(1);

    // The handover instant passes (moved, rather than waited for).
    await gateway.identity.db
      .update(signingKeys)
      .set({ activatedAt: sql`now() - interval '1 second'` })
      .where(eq(signingKeys.kid, newKid));
    await gateway.identity.db
      .update(signingKeys)
      .set({ retiredAt: sql`now() - interval '1 second'` })
      .where(eq(signingKeys.kid, oldKid ?? ""));

    const fromFirst = await adminToken(gateway.identity);
    const fromSecond = await adminToken(second);
    expect([kidOf(fromFirst), kidOf(fromSecond)]).toEqual([newKid, newKid]);
    // The gateway knew the new key since its one fetch after the rotation: no refetch, no 401.
    expect((await create(app, fromFirst)).status).toBe(201);
    expect((await create(app, fromSecond)).status).toBe(201);
    // Tokens of the old key verify until they expire.
    expect((await create(app, before)).status).toBe(201);
    expect(keySetFetches).toBe(1);

    // Once every token of the old key must have expired, it leaves the key set: a gateway
    // that starts now refuses anything still signed with it.
    await gateway.identity.db
      .update(signingKeys)
      .set({ retiredAt: sql`now() - make_interval(secs => ${VERIFY_WINDOW_SECONDS + 1})` })
      .where(eq(signingKeys.kid, oldKid ?? ""));
    expect((await keySet(second.app)).keys.map((key) => key.kid)).not.toContain(oldKid);
    const fresh = deployed();
    expect((await create(fresh, before)).status).toBe(401);
    expect((await create(fresh, fromSecond)).status).toBe(201);
  });
});
