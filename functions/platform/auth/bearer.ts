/**
 * Bearer tokens over HTTP (RFC 6750): reading one from an `Authorization` header, and the
 * `WWW-Authenticate` challenges for the answers that refuse one.
 *
 * @example
 * const token = readBearerToken(c.req.header("authorization")); // undefined when absent
 * if (!token) return c.body(null, 401, { "www-authenticate": bearerChallenge() });
 * // …verify; on TokenError e:
 * c.header("www-authenticate", bearerChallenge(e)); // 401 (400 for invalid_request)
 * // …missing scope:
 * c.header("www-authenticate", insufficientScopeChallenge(["orders:write"])); // 403
 */
import type { Scope } from "./scopes.js";
import { TokenError } from "./token-error.js";

export const REALM = "slipway";

// RFC 7235 token68, after the scheme and at least one space; nothing else on the line.
const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * The token of `Bearer <token>`, or `undefined` when there is no header at all. Any other value
 * — another scheme, two tokens, stray characters — is refused rather than ignored, so a client
 * with a broken header learns why instead of being treated as anonymous.
 */
export function readBearerToken(header: string | null | undefined): string | undefined {
  if (header === null || header === undefined || header.trim() === "") return undefined;
  const match = BEARER.exec(header.trim());
  if (!match?.[1]) throw new TokenError("invalid_request", "malformed header");
  return match[1];
}

/**
 * The challenge for a request without a usable token. Per RFC 6750 §3.1 a request that sent no
 * credentials gets no error code; pass the TokenError when one was sent.
 */
export function bearerChallenge(error?: TokenError): string {
  if (!error) return `Bearer realm="${REALM}"`;
  return challenge({ error: error.code, error_description: error.message });
}

/** The challenge for a valid token that lacks scopes; `required` is what the route needs. */
export function insufficientScopeChallenge(required: readonly Scope[]): string {
  return challenge({
    error: "insufficient_scope",
    error_description: "the access token lacks a required scope",
    scope: required.join(" "),
  });
}

/** The HTTP status that goes with a TokenError (RFC 6750 §3.1; 503 when keys cannot load). */
export function statusOf(error: TokenError): 400 | 401 | 503 {
  if (error.code === "invalid_request") return 400;
  if (error.code === "temporarily_unavailable") return 503;
  return 401;
}

function challenge(params: Record<string, string>): string {
  const attributes = Object.entries(params).map(([name, value]) => `${name}="${quotable(value)}"`);
  return [`Bearer realm="${REALM}"`, ...attributes].join(", ");
}

/** RFC 6750 §3 allows only these characters inside the quotes: no `"` and no `\`. */
function quotable(value: string): string {
  return value.replace(/[^\x20\x21\x23-\x5B\x5D-\x7E]/g, "");
}
