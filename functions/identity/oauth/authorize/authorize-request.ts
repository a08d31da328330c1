/**
 * Checks an authorization request (RFC 6749 §4.1.1 with PKCE, RFC 7636), the same way for the
 * page (GET) and the form post (POST). Until the client and its redirect URI are known to be
 * right nothing may redirect — that would make us an open redirector — so those problems are
 * shown on a page; every later problem goes back to the client as an error redirect.
 *
 * @example
 * const check = await checkAuthorizeRequest(db, params);
 * if (check.kind === "redirect") return c.redirect(errorRedirect(check, issuer), 302);
 */
import type { Scope } from "../../../platform/auth/scopes.js";
import type { IdentityDb } from "../../db/open.js";
import type { OAuthClientRow } from "../../db/schema.js";
import { allowsGrant, findClient } from "../clients/clients.js";
import { matchesRegistered } from "../clients/redirect-uri.js";
import { OAuthError } from "../oauth-error.js";
import type { Params } from "../params.js";
import { grantScopes, parseScopeParam } from "../scopes.js";

export interface AuthorizeRequest {
  client: OAuthClientRow;
  /** As the client sent it: a loopback URI keeps its port. */
  redirectUri: string;
  state: string | undefined;
  codeChallenge: string;
  scopes: Scope[];
  /** The request's parameters as the sign-in form carries them to the POST. */
  hidden: Record<string, string | undefined>;
}

export type AuthorizeCheck =
  | { kind: "ok"; request: AuthorizeRequest }
  /** The client cannot be trusted with a redirect: show the message on a page. */
  | { kind: "no-redirect"; message: string }
  | { kind: "redirect"; redirectUri: string; state: string | undefined; error: OAuthError };

// BASE64URL(SHA-256(verifier)) is always 43 characters.
const S256_CHALLENGE = /^[A-Za-z0-9_-]{43}$/;

export async function checkAuthorizeRequest(
  db: IdentityDb,
  params: Params,
): Promise<AuthorizeCheck> {
  if (params.repeated("client_id") || params.repeated("redirect_uri")) {
    return noRedirect("The request names its client or redirect address more than once.");
  }
  const clientId = params.one("client_id");
  if (clientId === undefined) return noRedirect("The request does not name a client.");
  const client = await findClient(db, clientId);
  if (!client) return noRedirect("The application that sent you here is not known.");
  const redirectUri = params.one("redirect_uri");
  if (redirectUri === undefined) return noRedirect("The request has no redirect address.");
  if (!matchesRegistered(redirectUri, client.redirectUris)) {
    return noRedirect("The redirect address is not registered for this application.");
  }

  const state = params.repeated("state") ? undefined : params.one("state");
  try {
    return { kind: "ok", request: checkRest(params, client, redirectUri, state) };
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return { kind: "redirect", redirectUri, state, error };
  }
}

function checkRest(
  params: Params,
  client: OAuthClientRow,
  redirectUri: string,
  state: string | undefined,
): AuthorizeRequest {
  const responseType = params.required("response_type");
  const codeChallenge = params.one("code_challenge");
  const method = params.one("code_challenge_method");
  const rawScope = params.one("scope");
  // A repeated state is refused too (and left out of the error redirect).
  params.one("state");
  if (responseType !== "code") {
    throw new OAuthError("unsupported_response_type", "only response_type=code is supported");
  }
  if (!allowsGrant(client, "authorization_code")) {
    throw new OAuthError(
      "unauthorized_client",
      "this client may not use the authorization code grant",
    );
  }
  if (codeChallenge === undefined) {
    throw new OAuthError("invalid_request", "code_challenge is required (PKCE)");
  }
  if (method !== "S256") {
    throw new OAuthError("invalid_request", "code_challenge_method must be S256");
  }
  if (!S256_CHALLENGE.test(codeChallenge)) {
    throw new OAuthError("invalid_request", "code_challenge must be 43 base64url characters");
  }
  const scopes = grantScopes(parseScopeParam(rawScope), client.scopes, { user: true });
  return {
    client,
    redirectUri,
    state,
    codeChallenge,
    scopes,
    hidden: {
      response_type: responseType,
      client_id: client.clientId,
      redirect_uri: redirectUri,
      code_challenge: codeChallenge,
      code_challenge_method: method,
      scope: rawScope,
      state,
    },
  };
}

/** `redirectUri` with `values` added to its query (it may have one already). */
export function redirectTo(
  redirectUri: string,
  values: Readonly<Record<string, string | undefined>>,
): string {
  const url = new URL(redirectUri);
  for (const [name, value] of Object.entries(values)) {
    if (value !== undefined) url.searchParams.append(name, value);
  }
  return url.toString();
}

/** Where an error goes (RFC 6749 §4.1.2.1), with `iss` so the client knows who said so (RFC 9207). */
export function errorRedirect(
  check: Extract<AuthorizeCheck, { kind: "redirect" }>,
  issuer: string,
): string {
  return redirectTo(check.redirectUri, {
    error: check.error.code,
    error_description: check.error.description,
    state: check.state,
    iss: issuer,
  });
}

const noRedirect = (message: string): AuthorizeCheck => ({ kind: "no-redirect", message });
