/**
 * The identity service's token signing keys (ES256), kept in its database so every instance
 * signs with the same key and serves the same JWKS. Private keys are sealed at rest
 * (key-encryption.ts). Exactly one key is active; rotating retires it, and a retired key stays
 * in the JWKS until every token it may have signed has expired.
 *
 * @example
 * await ensureActiveKey(db, config.IDENTITY_KEY_SECRET); // at start-up
 * const { key, kid } = await signingKey(db, config.IDENTITY_KEY_SECRET);
 * const jwt = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(key);
 * const jwks = await publicJwks(db); // GET /.well-known/jwks.json
 */
import { generateKeyPairSync } from "node:crypto";
import { desc, gt, isNull, or, sql } from "drizzle-orm";
import { type CryptoKey, calculateJwkThumbprint, importPKCS8 } from "jose";
import type { IdentityDb } from "../db/open.js";
import { type PublicJwk, signingKeys } from "../db/schema.js";
import { openPrivateKey, sealPrivateKey } from "./key-encryption.js";

export const SIGNING_ALG = "ES256";

/** Longest lifetime of any token identity signs (access tokens: 15 minutes). */
export const MAX_TOKEN_LIFETIME_SECONDS = 15 * 60;
/** Leeway for clocks of verifiers that run a little behind. */
const CLOCK_SKEW_SECONDS = 60;
/** How long a retired key stays in the JWKS. */
export const VERIFY_WINDOW_SECONDS = MAX_TOKEN_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS;

export interface Jwk extends PublicJwk {
  kid: string;
  alg: typeof SIGNING_ALG;
  use: "sig";
}

export interface Jwks {
  keys: Jwk[];
}

export interface ActiveSigningKey {
  kid: string;
  alg: typeof SIGNING_ALG;
  key: CryptoKey;
}

/** Makes the first key when there is no active one; returns the active key's kid. */
export async function ensureActiveKey(db: IdentityDb, secret: string): Promise<{ kid: string }> {
  return withKeyLock(db, async (tx) => {
    const [active] = await tx
      .select({ kid: signingKeys.kid })
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt));
    if (active) return active;
    const row = await newKeyRow(secret);
    await tx.insert(signingKeys).values(row);
    return { kid: row.kid };
  });
}

/** Makes a new active key and retires the previous one (which keeps verifying for a while). */
export async function rotateKey(db: IdentityDb, secret: string): Promise<{ kid: string }> {
  return withKeyLock(db, async (tx) => {
    const row = await newKeyRow(secret);
    await tx
      .update(signingKeys)
      .set({ retiredAt: sql`now()` })
      .where(isNull(signingKeys.retiredAt));
    await tx.insert(signingKeys).values(row);
    return { kid: row.kid };
  });
}

/** The public keys a verifier needs: the active one first, then those retired lately. */
export async function publicJwks(db: IdentityDb): Promise<Jwks> {
  const rows = await db
    .select({ kid: signingKeys.kid, jwk: signingKeys.publicJwk })
    .from(signingKeys)
    .where(
      or(
        isNull(signingKeys.retiredAt),
        gt(
          signingKeys.retiredAt,
          sql`now() - ${sql.raw(`interval '${VERIFY_WINDOW_SECONDS} seconds'`)}`,
        ),
      ),
    )
    .orderBy(sql`${signingKeys.retiredAt} desc nulls first`, desc(signingKeys.activatedAt));
  return {
    // Only the public members, named one by one: nothing else in the row can leak.
    keys: rows.map(({ kid, jwk }) => ({
      kty: jwk.kty,
      crv: jwk.crv,
      x: jwk.x,
      y: jwk.y,
      kid,
      alg: SIGNING_ALG,
      use: "sig",
    })),
  };
}

/** The active private key, ready for jose; throws when the secret cannot open it. */
export async function signingKey(db: IdentityDb, secret: string): Promise<ActiveSigningKey> {
  const [row] = await db.select().from(signingKeys).where(isNull(signingKeys.retiredAt));
  if (!row) throw new Error("identity has no active signing key (ensureActiveKey runs at start)");
  const pem = openPrivateKey(row.privateKeyEncrypted, row.kid, secret);
  return { kid: row.kid, alg: SIGNING_ALG, key: await importPKCS8(pem, SIGNING_ALG) };
}

// Serialises key changes across instances (Postgres) and callers: two instances starting at
// once both see "no active key" otherwise. The partial unique index is the backstop.
async function withKeyLock<T>(db: IdentityDb, work: (tx: IdentityDb) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    await tx.execute(sql`select pg_advisory_xact_lock(hashtext('slipway:identity:signing-keys'))`);
    return work(tx as unknown as IdentityDb);
  });
}

async function newKeyRow(secret: string) {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { x, y } = publicKey.export({ format: "jwk" });
  if (!x || !y) throw new Error("P-256 public key without coordinates");
  const publicJwk: PublicJwk = { kty: "EC", crv: "P-256", x, y };
  const kid = await calculateJwkThumbprint(publicJwk, "sha256");
  const pem = privateKey.export({ format: "pem", type: "pkcs8" }).toString();
  return {
    kid,
    alg: SIGNING_ALG,
    publicJwk,
    privateKeyEncrypted: sealPrivateKey(pem, kid, secret),
  };
}
