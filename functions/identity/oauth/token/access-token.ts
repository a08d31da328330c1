/**
 * Access tokens: JWTs in the RFC 9068 profile (`typ: at+jwt`), signed with identity's active
 * ES256 key and checked by every service with platform/auth/access-token.ts.
 *
 * @example
 * const token = await signAccessToken(await signingKey(db, secret), {
 *   issuer, subject: userId, clientId, scope: "profile orders:read", ttlSeconds: 900,
 * });
 */
import { randomUUID } from "node:crypto";
import { SignJWT } from "jose";
import type { ActiveSigningKey } from "../../signing-keys/signing-keys.js";

export const ACCESS_TOKEN_AUDIENCE = "slipway-api";

export interface AccessTokenGrant {
  issuer: string;
  /** The user's id, or the client's id for client_credentials. */
  subject: string;
  clientId: string;
  /** Space-separated. */
  scope: string;
  ttlSeconds: number;
}

export async function signAccessToken(
  key: ActiveSigningKey,
  { issuer, subject, clientId, scope, ttlSeconds }: AccessTokenGrant,
): Promise<string> {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({ client_id: clientId, scope })
    .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: "at+jwt" })
    .setIssuer(issuer)
    .setAudience(ACCESS_TOKEN_AUDIENCE)
    .setSubject(subject)
    .setIssuedAt(now)
    .setNotBefore(now)
    .setExpirationTime(now + ttlSeconds)
    .setJti(randomUUID())
    .sign(key.key);
}
