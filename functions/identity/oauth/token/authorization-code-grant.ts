/**
 * grant_type=authorization_code (RFC 6749 §4.1.3 with PKCE, RFC 7636 §4.6). The code is
 * consumed by a conditional UPDATE, so of two concurrent redemptions only one finds it unused;
 * any later redemption is a replay, and revokes the refresh family the first one started.
 */
import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { and, eq, isNull, sql } from "drizzle-orm";
import { authorizationCodes } from "../../db/schema.js";
import { allowsGrant } from "../clients/clients.js";
import { OAuthError } from "../oauth-error.js";
import { hashOpaqueToken } from "../opaque-tokens.js";
import { type Grant, inTransaction } from "./grant.js";
import { insertRefreshToken, revokeFamily } from "./refresh-tokens.js";

// RFC 7636 §4.1: 43-128 characters of [A-Z] / [a-z] / [0-9] / "-" / "." / "_" / "~".
const CODE_VERIFIER = /^[A-Za-z0-9\-._~]{43,128}$/;

export const authorizationCodeGrant: Grant = async ({ db, config, client, params }) => {
  const code = params.required("code");
  const redirectUri = params.required("redirect_uri");
  const verifier = params.required("code_verifier");
  if (!CODE_VERIFIER.test(verifier)) {
    throw new OAuthError("invalid_request", "code_verifier must be 43-128 unreserved characters");
  }
  const codeHash = hashOpaqueToken(code);
  const outcome = await inTransaction(db, async (tx) => {
    const [row] = await tx
      .update(authorizationCodes)
      .set({ consumedAt: sql`now()` })
      .where(and(eq(authorizationCodes.codeHash, codeHash), isNull(authorizationCodes.consumedAt)))
      .returning({
        clientId: authorizationCodes.clientId,
        userId: authorizationCodes.userId,
        redirectUri: authorizationCodes.redirectUri,
        codeChallenge: authorizationCodes.codeChallenge,
        scope: authorizationCodes.scope,
        expired: sql<boolean>`${authorizationCodes.expiresAt} <= now()`,
      });
    if (!row) {
      const [used] = await tx
        .select({ familyId: authorizationCodes.refreshFamilyId })
        .from(authorizationCodes)
        .where(eq(authorizationCodes.codeHash, codeHash));
      // Returned, not thrown: the revocation must commit.
      if (used?.familyId) await revokeFamily(tx, used.familyId);
      return { error: invalidGrant };
    }
    // From here on the code is spent whatever the outcome: a wrong verifier gets no retry.
    if (
      row.expired ||
      row.clientId !== client.clientId ||
      row.redirectUri !== redirectUri ||
      !verifierMatches(verifier, row.codeChallenge)
    ) {
      return { error: invalidGrant };
    }
    if (!allowsGrant(client, "refresh_token")) {
      return { granted: { subject: row.userId, scope: row.scope } };
    }
    const familyId = randomUUID();
    const refreshToken = await insertRefreshToken(
      tx,
      { familyId, subject: row.userId, clientId: client.clientId, scope: row.scope },
      config.REFRESH_TOKEN_TTL_SECONDS,
    );
    await tx
      .update(authorizationCodes)
      .set({ refreshFamilyId: familyId })
      .where(eq(authorizationCodes.codeHash, codeHash));
    return { granted: { subject: row.userId, scope: row.scope, refreshToken } };
  });
  if ("error" in outcome) throw outcome.error;
  return outcome.granted;
};

const invalidGrant = new OAuthError(
  "invalid_grant",
  "the authorization code is invalid, expired, already used or was issued for another request",
);

function verifierMatches(verifier: string, challenge: string): boolean {
  const computed = Buffer.from(createHash("sha256").update(verifier, "ascii").digest("base64url"));
  const expected = Buffer.from(challenge);
  return computed.length === expected.length && timingSafeEqual(computed, expected);
}
