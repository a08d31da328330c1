/**
 * Refresh tokens in families: the exchange of an authorization code starts a family, every
 * refresh replaces the token presented by a new one in the same family, and presenting a
 * replaced token again (a sign it was stolen) revokes the whole family.
 *
 * @example
 * const token = await insertRefreshToken(tx, { familyId, subject, clientId, scope }, ttlSeconds);
 * await revokeFamily(tx, familyId);
 */
import { and, eq, isNull, sql } from "drizzle-orm";
import type { IdentityDb } from "../../db/open.js";
import { refreshTokens } from "../../db/schema.js";
import { hashOpaqueToken, newOpaqueToken } from "../opaque-tokens.js";

export interface RefreshGrant {
  familyId: string;
  subject: string;
  clientId: string;
  /** Space-separated; a rotated token keeps its family's scope (RFC 6749 §6). */
  scope: string;
}

export async function insertRefreshToken(
  db: IdentityDb,
  grant: RefreshGrant,
  ttlSeconds: number,
): Promise<string> {
  const token = newOpaqueToken();
  await db.insert(refreshTokens).values({
    tokenHash: hashOpaqueToken(token),
    ...grant,
    expiresAt: sql`now() + ${sql.raw(`interval '${Math.trunc(ttlSeconds)} seconds'`)}`,
  });
  return token;
}

export async function revokeFamily(db: IdentityDb, familyId: string): Promise<void> {
  await db
    .update(refreshTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)));
}
