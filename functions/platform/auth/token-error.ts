/**
 * The one error of the auth module. `code` is an RFC 6750 / RFC 6749 error code a client can
 * switch on; `reason` picks a message from a closed list, so nothing from the token (its value,
 * its claims) or from our side (expected issuer, key-set URL) can end up in a response or a log.
 *
 * @example
 * try { await verifier.verify(token) } catch (error) {
 *   if (error instanceof TokenError) return unauthorized(bearerChallenge(error));
 *   throw error;
 * }
 */

export type TokenErrorCode =
  /** The Authorization header is present but not a single `Bearer <token>`. */
  | "invalid_request"
  /** The token is malformed, expired, revoked or otherwise unacceptable. */
  | "invalid_token"
  /** The keys to check the token with could not be loaded: our fault, not the caller's. */
  | "temporarily_unavailable";

const messages = {
  "malformed header": "the Authorization header must be a single Bearer token",
  malformed: "the access token is malformed",
  "unsupported algorithm": "the access token's algorithm is not accepted",
  "unknown key": "the access token was signed with an unknown key",
  "invalid signature": "the access token's signature is invalid",
  "wrong type": "the token is not an access token",
  expired: "the access token expired",
  "not yet valid": "the access token is not valid yet",
  "issued in the future": "the access token was issued in the future",
  "invalid lifetime": "the access token's lifetime is not accepted",
  "wrong issuer": "the access token was issued by an untrusted issuer",
  "wrong audience": "the access token is meant for another audience",
  "missing claim": "the access token lacks a required claim",
  "invalid claim": "the access token has an invalid claim",
  "keys unavailable": "the signing keys could not be loaded; try again later",
} as const;

export type TokenErrorReason = keyof typeof messages;

export class TokenError extends Error {
  override name = "TokenError";
  constructor(
    readonly code: TokenErrorCode,
    readonly reason: TokenErrorReason,
    options?: { cause?: unknown },
  ) {
    super(messages[reason], options);
  }
}
