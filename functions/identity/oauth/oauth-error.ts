/**
 * The one error of the OAuth module: an RFC 6749 error code a client can switch on, and a
 * description written here — never built from the request, so nothing a caller sent (a code,
 * a secret, a password) can come back in an answer or reach a log.
 *
 * @example
 * throw new OAuthError("invalid_grant", "the authorization code is invalid or expired");
 */

export type OAuthErrorCode =
  | "invalid_request"
  | "invalid_client"
  | "invalid_grant"
  | "unauthorized_client"
  | "unsupported_grant_type"
  | "unsupported_response_type"
  | "invalid_scope"
  | "server_error";

export class OAuthError extends Error {
  override name = "OAuthError";
  constructor(
    readonly code: OAuthErrorCode,
    readonly description: string,
  ) {
    super(`${code}: ${description}`);
  }
}
