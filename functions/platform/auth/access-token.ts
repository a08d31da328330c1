/**
 * Verifies the access tokens identity issues: JWTs signed with an asymmetric key named by `kid`,
 * checked against a JSON Web Key Set.
 *
 * Only ES256 and EdDSA are accepted, so `alg: none` and the HS256-signed-with-the-public-key
 * trick fail before any key is looked up. The header must say `typ: at+jwt` (RFC 9068), so an ID
 * token or another JWT signed with the same keys cannot stand in for an access token. A token
 * lives at most 15 minutes: one issued in the future, issued longer ago than that, or whose
 * `exp` lies further than that after its `iat` is refused whatever its `exp` says. Every failure
 * is a `TokenError`.
 *
 * @example
 * const verifier = createAccessTokenVerifier({
 *   issuer: config.TOKEN_ISSUER,
 *   audience: ACCESS_TOKEN_AUDIENCE,
 *   // Caches keys and refetches when a token names a `kid` it has not seen (key rotation).
 *   jwks: createRemoteJWKSet(new URL("/.well-known/jwks.json", config.IDENTITY_URL)),
 * });
 * const { subject, scopes } = await verifier.verify(token);
 */
import { errors, type JWTVerifyGetKey, jwtVerify } from "jose";
import { parseScope } from "./scopes.js";
import { TokenError, type TokenErrorReason } from "./token-error.js";

/** The audience of every access token identity issues: the API behind the gateway. */
export const ACCESS_TOKEN_AUDIENCE = "slipway-api";
/** The `typ` header of access tokens (RFC 9068 §2.1). */
export const ACCESS_TOKEN_TYPE = "at+jwt";
/** The longest an access token may live, from `iat` to `exp`. */
export const MAX_ACCESS_TOKEN_LIFETIME_SECONDS = 15 * 60;

export interface AccessTokenVerifierOptions {
  issuer: string;
  audience: string;
  /** `createRemoteJWKSet(url)` in services, `createLocalJWKSet(doc)` in tests. */
  jwks: JWTVerifyGetKey;
  /** Allowed clock skew between identity and us, for `exp`, `nbf` and `iat`. */
  clockToleranceSeconds?: number;
}

export interface AccessToken {
  subject: string;
  scopes: ReadonlySet<string>;
  tokenId: string;
  expiresAt: Date;
}

export interface AccessTokenVerifier {
  /** Resolves with the token's grant, or rejects with a `TokenError`. */
  verify(token: string): Promise<AccessToken>;
}

// Module-private so no importer can widen it.
const ALGORITHMS = ["ES256", "EdDSA"];

export function createAccessTokenVerifier(
  options: AccessTokenVerifierOptions,
): AccessTokenVerifier {
  const { issuer, audience, jwks, clockToleranceSeconds = 5 } = options;
  // With one key in the set, jose would pick it for a token without `kid`; our tokens always
  // name their key, so a missing one is a forgery or a foreign token.
  const keyNamedByKid: JWTVerifyGetKey = (header, token) => {
    if (typeof header.kid !== "string" || header.kid === "") {
      throw new TokenError("invalid_token", "unknown key");
    }
    return jwks(header, token);
  };
  return {
    async verify(token) {
      let payload: Record<string, unknown>;
      try {
        ({ payload } = await jwtVerify(token, keyNamedByKid, {
          algorithms: ALGORITHMS,
          typ: ACCESS_TOKEN_TYPE,
          issuer,
          audience,
          clockTolerance: clockToleranceSeconds,
          // Refuses an `iat` in the future, or more than the lifetime (plus the tolerance) ago.
          maxTokenAge: MAX_ACCESS_TOKEN_LIFETIME_SECONDS,
          requiredClaims: ["exp", "sub", "jti", "iat", "scope"],
        }));
      } catch (error) {
        throw asTokenError(error);
      }
      const { sub, jti, iat, exp, scope } = payload;
      if (
        !nonEmptyString(sub) ||
        !nonEmptyString(jti) ||
        typeof scope !== "string" ||
        typeof iat !== "number" ||
        typeof exp !== "number"
      ) {
        throw new TokenError("invalid_token", "invalid claim");
      }
      // A token minted to outlive the policy is refused even while young: identity never issues
      // one, so it is a forgery with a stolen key or a misconfigured issuer.
      if (exp - iat > MAX_ACCESS_TOKEN_LIFETIME_SECONDS || exp <= iat) {
        throw new TokenError("invalid_token", "invalid lifetime");
      }
      return {
        subject: sub,
        scopes: parseScope(scope),
        tokenId: jti,
        expiresAt: new Date(exp * 1000),
      };
    },
  };
}

function nonEmptyString(value: unknown): value is string {
  return typeof value === "string" && value !== "";
}

const reasonByJoseCode: Partial<Record<string, TokenErrorReason>> = {
  [errors.JWSInvalid.code]: "malformed",
  [errors.JWTInvalid.code]: "malformed",
  [errors.JOSEAlgNotAllowed.code]: "unsupported algorithm",
  // Unknown `crit` extensions, key types we cannot use.
  [errors.JOSENotSupported.code]: "malformed",
  [errors.JWKSNoMatchingKey.code]: "unknown key",
  [errors.JWKSMultipleMatchingKeys.code]: "unknown key",
  [errors.JWSSignatureVerificationFailed.code]: "invalid signature",
  [errors.JWTExpired.code]: "expired",
};

// `iat` too far in the past is a JWTExpired, mapped above; here it is the future.
const reasonByClaim: Partial<Record<string, TokenErrorReason>> = {
  typ: "wrong type",
  iat: "issued in the future",
  nbf: "not yet valid",
  iss: "wrong issuer",
  aud: "wrong audience",
};

/**
 * Turns whatever jose threw into a TokenError. jose's own errors are dropped rather than kept as
 * `cause`: claim failures carry the token's payload, which must not reach a log.
 */
function asTokenError(error: unknown): TokenError {
  if (error instanceof TokenError) return error;
  if (error instanceof errors.JWTClaimValidationFailed) {
    const reason =
      error.reason === "missing"
        ? "missing claim"
        : (reasonByClaim[error.claim] ?? "invalid claim");
    return new TokenError("invalid_token", reason);
  }
  const reason = error instanceof errors.JOSEError ? reasonByJoseCode[error.code] : undefined;
  if (reason) return new TokenError("invalid_token", reason);
  // A key set that times out, answers non-200 or holds bad keys: the caller's token may be
  // fine. Kept as cause for the log; these errors name our key-set URL at most, not the token.
  return new TokenError("temporarily_unavailable", "keys unavailable", { cause: error });
}
