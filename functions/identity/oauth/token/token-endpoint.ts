/**
 * POST /oauth2/token (RFC 6749 §3.2): reads the form, identifies the client, refuses it while
 * it is rate limited (before looking at its secret), authenticates it, runs the grant and
 * signs the access token. Every failure once the client is named counts against its limit.
 * Errors are RFC 6749 §5.2 JSON; no answer may be cached.
 */
import type { Context } from "hono";
import { signingKey } from "../../signing-keys/signing-keys.js";
import { allowsGrant, type GrantType, isClientId } from "../clients/clients.js";
import type { OAuthDeps } from "../deps.js";
import { OAuthError } from "../oauth-error.js";
import { readFormBody } from "../params.js";
import { checkRateLimit, clientKey, recordFailure } from "../rate-limit.js";
import { signAccessToken } from "./access-token.js";
import { authorizationCodeGrant } from "./authorization-code-grant.js";
import { authenticateClient, readClientCredentials, usesBasic } from "./client-auth.js";
import { clientCredentialsGrant } from "./client-credentials-grant.js";
import type { Grant } from "./grant.js";
import { refreshTokenGrant } from "./refresh-token-grant.js";

const grants: Record<GrantType, Grant> = {
  authorization_code: authorizationCodeGrant,
  refresh_token: refreshTokenGrant,
  client_credentials: clientCredentialsGrant,
};

export const NO_STORE = { "cache-control": "no-store", pragma: "no-cache" } as const;

export function tokenEndpoint(deps: OAuthDeps) {
  const { db, config } = deps;
  return async (c: Context): Promise<Response> => {
    const authorization = c.req.header("authorization");
    try {
      const params = await readFormBody(c.req.raw);
      const credentials = readClientCredentials(authorization, params);
      // No client can have such an id: nothing to count it against.
      if (!isClientId(credentials.clientId)) {
        throw new OAuthError("invalid_client", "client authentication failed");
      }
      const key = clientKey(credentials.clientId);
      const limit = await checkRateLimit(db, key);
      if (limit.limited) {
        return Response.json(
          {
            error: "too_many_requests",
            error_description: "too many failed requests for this client; retry later",
          },
          {
            status: 429,
            headers: { ...NO_STORE, "retry-after": String(limit.retryAfterSeconds) },
          },
        );
      }
      try {
        const client = await authenticateClient(db, credentials);
        const grantType = params.required("grant_type");
        const grant = Object.hasOwn(grants, grantType) ? grants[grantType as GrantType] : undefined;
        if (!grant) {
          throw new OAuthError("unsupported_grant_type", "the grant type is not supported");
        }
        if (!allowsGrant(client, grantType as GrantType)) {
          throw new OAuthError("unauthorized_client", "this client may not use this grant type");
        }
        const granted = await grant({ ...deps, client, params });
        const accessToken = await signAccessToken(
          await signingKey(db, config.IDENTITY_KEY_SECRET),
          {
            issuer: config.TOKEN_ISSUER,
            subject: granted.subject,
            clientId: client.clientId,
            scope: granted.scope,
            ttlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
          },
        );
        return Response.json(
          {
            access_token: accessToken,
            token_type: "Bearer",
            expires_in: config.ACCESS_TOKEN_TTL_SECONDS,
            scope: granted.scope,
            ...(granted.refreshToken ? { refresh_token: granted.refreshToken } : {}),
          },
          { headers: NO_STORE },
        );
      } catch (error) {
        if (error instanceof OAuthError) await recordFailure(db, key);
        throw error;
      }
    } catch (error) {
      if (!(error instanceof OAuthError)) throw error;
      return errorResponse(error, usesBasic(authorization));
    }
  };
}

function errorResponse(error: OAuthError, basic: boolean): Response {
  const challenge = basic && error.code === "invalid_client";
  return Response.json(
    { error: error.code, error_description: error.description },
    {
      status: challenge ? 401 : 400,
      headers: challenge ? { ...NO_STORE, "www-authenticate": 'Basic realm="slipway"' } : NO_STORE,
    },
  );
}
