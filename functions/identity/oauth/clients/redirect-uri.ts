/**
 * Redirect URIs: which may be registered, and whether a requested one matches. Matching is an
 * exact string comparison, except that a loopback URI (`http://127.0.0.1/...` or
 * `http://[::1]/...`) matches on any port, because native apps listen on a port the OS picks
 * (RFC 8252 §7.3).
 *
 * @example
 * matchesRegistered("http://127.0.0.1:53141/callback", ["http://127.0.0.1/callback"]); // true
 */

// The authority of a loopback URI, port optional, followed by the path, query or the end.
const LOOPBACK = /^http:\/\/(127\.0\.0\.1|\[::1\])(?::(\d{1,5}))?(?=[/?]|$)/;

/** Absolute https, or http on a loopback address; no credentials and no fragment. */
export function isRegistrableRedirectUri(uri: string): boolean {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return false;
  }
  if (url.username || url.password || uri.includes("#")) return false;
  if (url.protocol === "https:") return true;
  return url.protocol === "http:" && withoutPort(uri) !== undefined;
}

export function matchesRegistered(requested: string, registered: readonly string[]): boolean {
  if (registered.includes(requested)) return true;
  const requestedLoopback = withoutPort(requested);
  return (
    requestedLoopback !== undefined &&
    registered.some((uri) => withoutPort(uri) === requestedLoopback)
  );
}

/** The URI with its loopback port removed; undefined when it is not a loopback URI. */
function withoutPort(uri: string): string | undefined {
  const match = LOOPBACK.exec(uri);
  if (!match) return undefined;
  const port = match[2];
  if (port !== undefined && (Number(port) < 1 || Number(port) > 65_535)) return undefined;
  return `http://${match[1]}${uri.slice(match[0].length)}`;
}
