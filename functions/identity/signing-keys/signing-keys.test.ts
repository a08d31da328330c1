import { eq, isNull, sql } from "drizzle-orm";
import { createLocalJWKSet, decodeProtectedHeader, jwtVerify, SignJWT } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isUniqueViolation } from "../../platform/db/errors.js";
import { createTestDatabase, databaseKinds } from "../../platform/testing/databases.js";
import { type IdentityDb, openIdentityDatabase } from "../db/open.js";
import { signingKeys } from "../db/schema.js";
import { newKeySecret, useIdentity } from "../testing.js";
import { KeyDecryptionError, openPrivateKey } from "./key-encryption.js";
import {
  ensureActiveKey,
  PUBLISH_AHEAD_SECONDS,
  publicJwks,
  rotateKey,
  rotateKeyIfDue,
  signingKey,
  VERIFY_WINDOW_SECONDS,
} from "./signing-keys.js";

async function mint(db: IdentityDb, secret: string): Promise<string> {
  const { key, kid } = await signingKey(db, secret);
  return new SignJWT({ scope: "profile" })
    .setProtectedHeader({ alg: "ES256", kid })
    .setIssuer("slipway-identity")
    .setAudience("slipway-api")
    .setSubject("user-1")
    .setIssuedAt()
    .setExpirationTime("15m")
    .sign(key);
}

async function verify(db: IdentityDb, token: string) {
  return jwtVerify(token, createLocalJWKSet(await publicJwks(db)), {
    issuer: "slipway-identity",
    audience: "slipway-api",
    algorithms: ["ES256"],
  });
}

const activeKeys = (db: IdentityDb) =>
  db.select().from(signingKeys).where(isNull(signingKeys.retiredAt));

describe.each(databaseKinds)("signing keys on %s", (kind) => {
  const identity = useIdentity(kind);

  it("starts with one active key, which the JWKS publishes with only public members", async () => {
    const [active, ...others] = await activeKeys(identity.db);
    expect(others).toEqual([]);
    const jwks = await publicJwks(identity.db);
    expect(jwks.keys).toEqual([
      {
        kty: "EC",
        crv: "P-256",
        x: expect.any(String),
        y: expect.any(String),
        kid: active?.kid,
        alg: "ES256",
        use: "sig",
      },
    ]);
    expect(JSON.stringify(jwks)).not.toMatch(/"d"|PRIVATE|v1\./);
  });

  it("keeps the private key only sealed: no PEM or JWK private member in the column", async () => {
    const [row] = await activeKeys(identity.db);
    const stored = row?.privateKeyEncrypted ?? "";
    expect(stored).toMatch(/^v1\./);
    expect(stored).not.toContain("PRIVATE KEY");
    // The clear PEM, opened with the right secret, appears nowhere in the stored text.
    const pem = openPrivateKey(stored, row?.kid ?? "", identity.secret);
    const body = pem.split("\n").slice(1, -2).join("");
    expect(body.length).toBeGreaterThan(40);
    expect(stored).not.toContain(body.slice(0, 24));
    expect(stored).not.toContain(Buffer.from(body, "base64").toString("base64url").slice(0, 24));
  });

  it("refuses to give the signing key to a wrong secret, without echoing either", async () => {
    const wrong = newKeySecret();
    const error = await signingKey(identity.db, wrong).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeyDecryptionError);
    expect((error as Error).message).not.toContain(wrong);
    expect((error as Error).message).not.toContain(identity.secret);
  });

  it("signs tokens that verify against the JWKS with the active kid", async () => {
    const token = await mint(identity.db, identity.secret);
    const { payload, protectedHeader } = await verify(identity.db, token);
    expect(payload.sub).toBe("user-1");
    expect(protectedHeader.kid).toBe((await activeKeys(identity.db))[0]?.kid);
  });

  it("publishes a rotated-in key a minute before it signs, then signs with it", async () => {
    const before = await mint(identity.db, identity.secret);
    const oldKid = decodeProtectedHeader(before).kid;
    const { kid: newKid, activatesAt } = await rotateKey(identity.db, identity.secret);
    expect(newKid).not.toBe(oldKid);
    expect(activatesAt.getTime() - Date.now()).toBeGreaterThan((PUBLISH_AHEAD_SECONDS - 10) * 1000);

    // Published at once, so verifiers can fetch it before they meet a token it signed …
    const jwks = await publicJwks(identity.db);
    expect(jwks.keys.map((key) => key.kid)).toEqual([newKid, oldKid]);
    // … while the old key still signs.
    expect(decodeProtectedHeader(await mint(identity.db, identity.secret)).kid).toBe(oldKid);

    // The handover instant passes (moved, rather than waited for).
    await identity.db
      .update(signingKeys)
      .set({ activatedAt: sql`now() - interval '1 second'` })
      .where(eq(signingKeys.kid, newKid));
    await identity.db
      .update(signingKeys)
      .set({ retiredAt: sql`now() - interval '1 second'` })
      .where(eq(signingKeys.kid, oldKid ?? ""));
    expect((await activeKeys(identity.db)).map((key) => key.kid)).toEqual([newKid]);
    const after = await mint(identity.db, identity.secret);
    expect(decodeProtectedHeader(after).kid).toBe(newKid);
    await expect(verify(identity.db, before)).resolves.toBeDefined();
    await expect(verify(identity.db, after)).resolves.toBeDefined();
  });

  it("rotates at once when told to", async () => {
    const { kid, activatesAt } = await rotateKey(identity.db, identity.secret, {
      activateInSeconds: 0,
    });
    expect(activatesAt.getTime()).toBeLessThanOrEqual(Date.now() + 1000);
    expect(decodeProtectedHeader(await mint(identity.db, identity.secret)).kid).toBe(kid);
  });

  it("drops a retired key from the JWKS once its tokens must have expired", async () => {
    const { kid: retiring } = await ensureActiveKey(identity.db, identity.secret);
    const { kid: next } = await rotateKey(identity.db, identity.secret);
    await identity.db
      .update(signingKeys)
      .set({ retiredAt: sql`now() - make_interval(secs => ${VERIFY_WINDOW_SECONDS + 1})` })
      .where(eq(signingKeys.kid, retiring));
    const kids = (await publicJwks(identity.db)).keys.map((key) => key.kid);
    expect(kids).not.toContain(retiring);
    expect(kids[0]).toBe(next);
  });

  it("keeps one active key in the database whatever the code tries", async () => {
    const [active] = await activeKeys(identity.db);
    const error = await identity.db
      .insert(signingKeys)
      .values({ ...(active as NonNullable<typeof active>), kid: "second-active" })
      .catch((caught: unknown) => caught);
    expect(isUniqueViolation(error, "signing_keys_one_active")).toBe(true);
  });
});

describe.runIf(databaseKinds.includes("postgres"))("signing keys on racing instances", () => {
  let url: string | undefined;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    const database = await createTestDatabase("postgres");
    url = database.url;
    drop = database.drop;
  });
  afterAll(() => drop?.());

  it("two instances ensuring a key at once leave exactly one active key", async () => {
    const secret = newKeySecret();
    const [first, second] = await Promise.all([
      openIdentityDatabase({ DATABASE_URL: url, DATA_DIR: "memory://" }),
      openIdentityDatabase({ DATABASE_URL: url, DATA_DIR: "memory://" }),
    ]);
    try {
      for (let round = 0; round < 5; round++) {
        await first.db.delete(signingKeys);
        const [a, b] = await Promise.all([
          ensureActiveKey(first.db, secret),
          ensureActiveKey(second.db, secret),
        ]);
        expect(a.kid).toBe(b.kid);
        expect(await activeKeys(first.db)).toHaveLength(1);
      }
      // Rotations racing each other serialise: each retires the one before.
      await Promise.all([rotateKey(first.db, secret), rotateKey(second.db, secret)]);
      expect(await activeKeys(first.db)).toHaveLength(1);
      expect(await first.db.$count(signingKeys)).toBe(3);
      expect(await publicJwks(first.db)).toEqual(await publicJwks(second.db));
    } finally {
      await first.close();
      await second.close();
    }
  });
});

describe.each(databaseKinds)("scheduled rotation on %s", (kind) => {
  const identity = useIdentity(kind);
  const DAY = 24 * 60 * 60;

  it("rotates only once the newest key is older than the limit, once across instances", async () => {
    expect(await rotateKeyIfDue(identity.db, identity.secret, 30 * DAY)).toBeUndefined();
    const [current] = await activeKeys(identity.db);
    await identity.db
      .update(signingKeys)
      .set({ activatedAt: sql`now() - interval '31 days'` })
      .where(eq(signingKeys.kid, current?.kid ?? ""));

    // Two instances' hourly jobs at once: one rotation.
    const results = await Promise.all([
      rotateKeyIfDue(identity.db, identity.secret, 30 * DAY),
      rotateKeyIfDue(identity.db, identity.secret, 30 * DAY),
    ]);
    const rotated = results.filter((result) => result !== undefined);
    expect(rotated).toHaveLength(1);
    const [pending] = await activeKeys(identity.db);
    expect(pending?.kid).toBe(rotated[0]?.kid);
    // Published ahead: the old key signs until the handover.
    expect(decodeProtectedHeader(await mint(identity.db, identity.secret)).kid).toBe(current?.kid);
    expect(await rotateKeyIfDue(identity.db, identity.secret, 30 * DAY)).toBeUndefined();
  });
});
