/**
 * Which scopes a request may get. The names are the API's (platform/auth/scopes.ts); users can
 * grant only USER_SCOPES, so `catalog:write` reaches machine clients (client_credentials) only.
 *
 * @example
 * const scopes = grantScopes(parseScopeParam(params.one("scope")), client.scopes, { user: true });
 * formatScope(scopes); // "profile orders:read"
 */
import { isScope, SCOPES, type Scope } from "../../platform/auth/scopes.js";
import { OAuthError } from "./oauth-error.js";

export const USER_SCOPES: readonly Scope[] = ["profile", "orders:read", "orders:write"];

/** The scopes of a `scope` parameter; undefined when absent. Unknown names are invalid_scope. */
export function parseScopeParam(raw: string | undefined): Scope[] | undefined {
  if (raw === undefined) return undefined;
  const names = raw.split(" ").filter((name) => name !== "");
  if (names.length === 0) return undefined;
  if (!names.every(isScope))
    throw new OAuthError("invalid_scope", "an unknown scope was requested");
  return [...new Set(names)];
}

/**
 * What is granted: the requested scopes when all are allowed, or everything allowed when none
 * were requested. `user` limits the allowed set to what a user may grant.
 */
export function grantScopes(
  requested: readonly Scope[] | undefined,
  allowed: readonly string[],
  { user }: { user: boolean },
): Scope[] {
  const grantable = SCOPES.filter(
    (scope) => allowed.includes(scope) && (!user || USER_SCOPES.includes(scope)),
  );
  const granted = requested ?? grantable;
  if (!granted.every((scope) => grantable.includes(scope))) {
    throw new OAuthError("invalid_scope", "a requested scope is not allowed for this client");
  }
  if (granted.length === 0) {
    throw new OAuthError("invalid_scope", "no scope can be granted to this client");
  }
  return [...granted];
}

/** Space-separated, in the order of SCOPES, so equal grants read the same. */
export function formatScope(scopes: Iterable<string>): string {
  const set = new Set(scopes);
  return SCOPES.filter((scope) => set.has(scope)).join(" ");
}
