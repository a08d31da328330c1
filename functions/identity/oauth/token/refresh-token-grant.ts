/**
 * grant_type=refresh_token (RFC 6749 §6) with rotation: the presented token is marked used by a
 * conditional UPDATE (… WHERE used_at IS NULL RETURNING), so of two concurrent refreshes with
 * one token only one gets a new token; a used token presented again — by a thief or by the
 * loser of that race — revokes its whole family, the newest token included.
 */
import { and, eq, gt, isNull, sql } from "drizzle-orm";
import { refreshTokens } from "../../db/schema.js";
import { OAuthError } from "../oauth-error.js";
import { hashOpaqueToken } from "../opaque-tokens.js";
import { formatScope, parseScopeParam } from "../scopes.js";
import { type Grant, inTransaction } from "./grant.js";
import { insertRefreshToken, revokeFamily } from "./refresh-tokens.js";

export const refreshTokenGrant: Grant = async ({ db, config, client, params }) => {
  const tokenHash = hashOpaqueToken(params.required("refresh_token"));
  const requested = parseScopeParam(params.one("scope"));
  const outcome = await inTransaction(db, async (tx) => {
    const [row] = await tx
      .update(refreshTokens)
      .set({ usedAt: sql`now()` })
      .where(
        and(
          eq(refreshTokens.tokenHash, tokenHash),
          eq(refreshTokens.clientId, client.clientId),
          isNull(refreshTokens.usedAt),
          isNull(refreshTokens.revokedAt),
          gt(refreshTokens.expiresAt, sql`now()`),
        ),
      )
      .returning();
    if (!row) {
      const [stale] = await tx
        .select({ familyId: refreshTokens.familyId, usedAt: refreshTokens.usedAt })
        .from(refreshTokens)
        .where(
          and(eq(refreshTokens.tokenHash, tokenHash), eq(refreshTokens.clientId, client.clientId)),
        );
      // Returned, not thrown: the revocation must commit.
      if (stale?.usedAt) await revokeFamily(tx, stale.familyId);
      return { error: invalidGrant };
    }
    const granted = new Set(row.scope.split(" "));
    if (requested && !requested.every((scope) => granted.has(scope))) {
      // Thrown: the transaction rolls back and the token stays usable.
      throw new OAuthError("invalid_scope", "a refresh can only narrow the granted scope");
    }
    const refreshToken = await insertRefreshToken(
      tx,
      { familyId: row.familyId, subject: row.subject, clientId: row.clientId, scope: row.scope },
      config.REFRESH_TOKEN_TTL_SECONDS,
    );
    return {
      granted: { subject: row.subject, scope: formatScope(requested ?? granted), refreshToken },
    };
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.granted;
};

const invalidGrant = new OAuthError(
  "invalid_grant",
  "the refresh token is invalid, expired, revoked or already used",
);
