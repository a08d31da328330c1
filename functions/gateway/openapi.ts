// /openapi.json (OpenAPI 3.1, generated from the same valibot schemas that validate requests)
// and an interactive reference at /docs.
import { Scalar } from "@scalar/hono-api-reference";
import type { Hono } from "hono";
import { openAPIRouteHandler } from "hono-openapi";
import type { Scope } from "../platform/auth/scopes.js";
import { OAUTH2_SCHEME } from "./openapi-responses.js";

/** Identity's endpoints relayed at this origin: OAuth, not REST operations of this API. */
export const OAUTH_PATHS = [
  "/oauth2/authorize",
  "/oauth2/token",
  "/.well-known/jwks.json",
  "/.well-known/openid-configuration",
];

const scopeDescriptions: Record<Scope, string> = {
  profile: "Read your own profile",
  "orders:read": "See your orders",
  "orders:write": "Place and change your orders",
  "catalog:write": "Create and change products and their stock (catalog admins)",
};

export interface ApiDocsOptions {
  version: string;
  /** TOKEN_ISSUER: the public base URL of this API and of its OAuth endpoints. */
  tokenIssuer: string;
}

export function mountApiDocs(app: Hono, { version, tokenIssuer }: ApiDocsOptions): void {
  const tokenUrl = `${tokenIssuer}/oauth2/token`;
  const authorizationCode = {
    authorizationUrl: `${tokenIssuer}/oauth2/authorize`,
    tokenUrl,
    refreshUrl: tokenUrl,
    scopes: scopeDescriptions,
    // An extension (no field in OpenAPI 3.1) telling the reference at /docs to use PKCE.
    "x-usePkce": "SHA-256",
  };
  app.get(
    "/openapi.json",
    openAPIRouteHandler(app, {
      documentation: {
        openapi: "3.1.0",
        info: {
          title: "slipway API",
          version,
          description:
            "The public REST API of slipway. Errors are RFC 9457 problem details (`application/problem+json`). Operations that need a caller take an OAuth 2.0 access token as `Authorization: Bearer <token>` (RFC 6750); a refusal says why in its `WWW-Authenticate` header.",
        },
        tags: [
          { name: "products", description: "The product catalog" },
          { name: "users", description: "Registration and your own profile" },
          { name: "orders", description: "Your orders: place, follow and cancel them" },
        ],
        components: {
          securitySchemes: {
            [OAUTH2_SCHEME]: {
              type: "oauth2",
              description:
                "Access tokens are JWTs (`typ: at+jwt`, ES256) that live at most 15 minutes, checked against the keys at `/.well-known/jwks.json`. Browser and mobile apps use the authorization code flow with PKCE (S256, required); services use client credentials.",
              flows: {
                authorizationCode,
                clientCredentials: { tokenUrl, scopes: scopeDescriptions },
              },
            },
          },
        },
      },
      exclude: ["/openapi.json", "/docs", /^\/health\//, ...OAUTH_PATHS],
      // Our validator answers problem+json, which every route declares itself; the built-in
      // 400 would describe hono-openapi's own error body instead.
      defaultValidationErrorResponse: false,
    }),
  );
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "slipway API" }));
}
