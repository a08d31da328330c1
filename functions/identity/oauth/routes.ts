/**
 * The OAuth 2.0 authorization server inside identity: the authorization endpoint (sign-in
 * form, authorization code + PKCE), the token endpoint (authorization_code, refresh_token,
 * client_credentials) and its metadata. The JWKS stays where it was (app.ts).
 *
 * @example
 * mountOAuth(app, { db, logger, config }); // in createIdentityApp
 */
import { type Context, Hono } from "hono";
import { authorizePage, authorizeSubmit } from "./authorize/authorize-endpoint.js";
import { errorPage, htmlResponse } from "./authorize/pages.js";
import type { OAuthDeps } from "./deps.js";
import { authorizationServerMetadata } from "./metadata.js";
import { NO_STORE, tokenEndpoint } from "./token/token-endpoint.js";

const METADATA_MAX_AGE_SECONDS = 300;

export function mountOAuth(app: Hono, deps: OAuthDeps): void {
  const oauth = new Hono();
  oauth.onError(serverError(deps));
  const metadata = authorizationServerMetadata(deps.config.TOKEN_ISSUER);
  const serveMetadata = (c: Context) => {
    c.header("cache-control", `public, max-age=${METADATA_MAX_AGE_SECONDS}`);
    return c.json(metadata);
  };
  oauth.get("/.well-known/openid-configuration", serveMetadata);
  oauth.get("/.well-known/oauth-authorization-server", serveMetadata);
  oauth.get("/oauth2/authorize", authorizePage(deps));
  oauth.post("/oauth2/authorize", authorizeSubmit(deps));
  oauth.post("/oauth2/token", tokenEndpoint(deps));
  app.route("/", oauth);
}

/** Our failures: logged without the request (it may hold a password), answered without detail. */
function serverError({ logger }: OAuthDeps) {
  return (error: Error, c: Context): Response => {
    // Not the error itself: a failed query's message lists its parameters (emails, hashes).
    const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
    logger.error("oauth request failed", {
      path: c.req.path,
      error: error.name,
      cause: typeof cause?.code === "string" ? `${cause.code} ${String(cause.message)}` : undefined,
    });
    if (c.req.path === "/oauth2/token") {
      return Response.json(
        { error: "server_error", error_description: "the server failed; try again later" },
        { status: 500, headers: NO_STORE },
      );
    }
    return htmlResponse(errorPage("Something went wrong", "Please try again later."), 500);
  };
}
