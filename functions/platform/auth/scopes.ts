/**
 * The scopes an access token can carry (the `scope` claim, space-separated, RFC 6749 §3.3).
 *
 * @example
 * if (!hasScopes(token.scopes, ["orders:write"])) throw forbidden(["orders:write"]);
 */

export const SCOPES = ["profile", "orders:read", "orders:write", "catalog:write"] as const;

export type Scope = (typeof SCOPES)[number];

export function isScope(value: string): value is Scope {
  return (SCOPES as readonly string[]).includes(value);
}

/** True when every required scope was granted; no required scopes means any token will do. */
export function hasScopes(granted: ReadonlySet<string>, required: readonly Scope[]): boolean {
  return required.every((scope) => granted.has(scope));
}

/** `"profile  orders:read"` → {profile, orders:read}; unknown names are kept for forward compatibility. */
export function parseScope(scope: string): Set<string> {
  return new Set(scope.split(" ").filter((name) => name !== ""));
}
