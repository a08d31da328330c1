/**
 * grant_type=client_credentials (RFC 6749 §4.4): a confidential client acting for itself, so
 * `sub` is its client id and there is no refresh token (it can always authenticate again).
 */
import { isConfidential } from "../clients/clients.js";
import { OAuthError } from "../oauth-error.js";
import { formatScope, grantScopes, parseScopeParam } from "../scopes.js";
import type { Grant } from "./grant.js";

export const clientCredentialsGrant: Grant = async ({ client, params }) => {
  if (!isConfidential(client)) {
    throw new OAuthError("unauthorized_client", "client_credentials is for confidential clients");
  }
  const scopes = grantScopes(parseScopeParam(params.one("scope")), client.scopes, { user: false });
  return { subject: client.clientId, scope: formatScope(scopes) };
};
