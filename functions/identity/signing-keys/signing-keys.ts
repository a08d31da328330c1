/**
 * The identity service's token signing keys (ES256), kept in its database so every instance
 * signs with the same key and serves the same JWKS. Private keys are sealed at rest
 * (key-encryption.ts). Exactly one key signs at any moment. Rotating publishes a new key first
 * and hands signing over to it a minute later, so every verifier can know it before it meets
 * a token it signed; the old key stays in the JWKS until every token it may have signed has
 * expired.
 *
 * @example
 * await ensureActiveKey(db, config.IDENTITY_KEY_SECRET); // at start-up
 * const { key, kid } = await signingKey(db, config.IDENTITY_KEY_SECRET);
 * const jwt = await new SignJWT(claims).setProtectedHeader({ alg: "ES256", kid }).sign(key);
 * const jwks = await publicJwks(db); // GET /.well-known/jwks.json
 */
import { generateKeyPairSync } from "node:crypto";
import { and, desc, gt, isNull, lte, or, sql } from "drizzle-orm";
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
/**
 * How long a new key is published before it signs. Verifiers refetch the JWKS when a token
 * names a kid they do not know, but no more often than their cooldown (5 s at the gateway,
 * 30 s by jose's default); publishing ahead by more than that means no verifier ever meets a
 * token whose key it cannot fetch yet.
 */
export const PUBLISH_AHEAD_SECONDS = 60;

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

/**
 * Makes a new key, published in the JWKS at once and signing from `activateInSeconds` on (by
 * default PUBLISH_AHEAD_SECONDS); the current key signs until then and keeps verifying for
 * VERIFY_WINDOW_SECONDS after.
 */
export async function rotateKey(
  db: IdentityDb,
  secret: string,
  { activateInSeconds = PUBLISH_AHEAD_SECONDS }: { activateInSeconds?: number } = {},
): Promise<{ kid: string; activatesAt: Date }> {
  return withKeyLock(db, (tx) => rotateWithin(tx, secret, activateInSeconds));
}

async function rotateWithin(
  tx: IdentityDb,
  secret: string,
  activateInSeconds: number,
): Promise<{ kid: string; activatesAt: Date }> {
  const row = await newKeyRow(secret);
  // now() is the transaction's start, the same in both statements: one handover instant,
  // so no moment has two signing keys, or none.
  const handover = sql`now() + make_interval(secs => ${Math.max(0, activateInSeconds)})`;
  await tx.update(signingKeys).set({ retiredAt: handover }).where(isNull(signingKeys.retiredAt));
  const [inserted] = await tx
    .insert(signingKeys)
    .values({ ...row, activatedAt: handover })
    .returning({ activatesAt: signingKeys.activatedAt });
  if (!inserted) throw new Error("insert returned no row");
  const { activatesAt } = inserted;
  return { kid: row.kid, activatesAt };
}

/**
 * Rotates when the newest key (signing or waiting to) is older than `maxAgeSeconds`; run it
 * now and then on every instance: the lock lets only one of them rotate.
 */
export async function rotateKeyIfDue(
  db: IdentityDb,
  secret: string,
  maxAgeSeconds: number,
): Promise<{ kid: string; activatesAt: Date } | undefined> {
  // Checked under the lock: an instance that waited for it finds the key another one made.
  return withKeyLock(db, async (tx) => {
    const [newest] = await tx
      .select({
        due: sql<boolean>`${signingKeys.activatedAt} < now() - make_interval(secs => ${maxAgeSeconds})`,
      })
      .from(signingKeys)
      .where(isNull(signingKeys.retiredAt));
    if (newest && !newest.due) return undefined;
    // With no key at all, nothing could sign while a new one waits: it signs at once.
    return rotateWithin(tx, secret, newest ? PUBLISH_AHEAD_SECONDS : 0);
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

/** The key that signs now, ready for jose; throws when the secret cannot open it. */
export async function signingKey(db: IdentityDb, secret: string): Promise<ActiveSigningKey> {
  const [row] = await db
    .select()
    .from(signingKeys)
    .where(
      and(
        lte(signingKeys.activatedAt, sql`now()`),
        or(isNull(signingKeys.retiredAt), gt(signingKeys.retiredAt, sql`now()`)),
      ),
    )
    .orderBy(desc(signingKeys.activatedAt))
    .limit(1);
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
