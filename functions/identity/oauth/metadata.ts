/**
 * The authorization server metadata (RFC 8414, served at the OpenID discovery path too), every
 * URL built from TOKEN_ISSUER: the gateway's public address, which fronts identity.
 *
 * @example
 * authorizationServerMetadata("https://api.example.com").token_endpoint; // "https://api.example.com/oauth2/token"
 */
import { SCOPES } from "../../platform/auth/scopes.js";
import { SIGNING_ALG } from "../signing-keys/signing-keys.js";
import { GRANT_TYPES } from "./clients/clients.js";

export function authorizationServerMetadata(issuer: string) {
  return {
    issuer,
    authorization_endpoint: `${issuer}/oauth2/authorize`,
    token_endpoint: `${issuer}/oauth2/token`,
    jwks_uri: `${issuer}/.well-known/jwks.json`,
    scopes_supported: [...SCOPES],
    response_types_supported: ["code"],
    grant_types_supported: [...GRANT_TYPES],
    code_challenge_methods_supported: ["S256"],
    token_endpoint_auth_methods_supported: ["client_secret_basic", "client_secret_post", "none"],
    subject_types_supported: ["public"],
    id_token_signing_alg_values_supported: [SIGNING_ALG],
    authorization_response_iss_parameter_supported: true,
  };
}
