/**
 * The last line of defence against secrets in logs: masks the value of any key that looks
 * secret (at any depth) and any JWT or `Bearer`/`Basic` credential inside any string. Code
 * should not log secrets in the first place; this catches the ones that slip through, such as
 * a token inside an error message. Returns a copy; the input is never changed.
 *
 * @example
 * redact({ user: "ada", headers: { Authorization: "Bearer x" } }, formatError);
 * // → { user: "ada", headers: { Authorization: "[REDACTED]" } }
 */

export const REDACTED = "[REDACTED]";

/** Key names whose values are masked, case-insensitively, as substrings. */
const SECRET_KEY =
  /passw(or)?d|passphrase|secret|token|authori[sz]ation|cookie|credential|code_?verifier|api_?key|private_?key|signature/i;

/** A JWS/JWE compact serialization: it starts with a base64url JSON header, `{"` → `eyJ`. */
const JWT = /eyJ[\w-]{2,}\.[\w-]{2,}(?:\.[\w-]*){0,3}/g;
/** An HTTP credential in a header value or message. */
const HTTP_CREDENTIAL = /\b(Bearer|Basic)\s+[\w.~+/-]+=*/gi;

const MAX_DEPTH = 12;

export function isSecretKey(key: string): boolean {
  return SECRET_KEY.test(key);
}

export function redactText(text: string): string {
  return text.replace(JWT, REDACTED).replace(HTTP_CREDENTIAL, `$1 ${REDACTED}`);
}

/** Turns an Error into a plain object (the log formatter's own `formatError`). */
export type FormatError = (error: Error) => Record<string, unknown>;

export function redact(value: unknown, formatError: FormatError): unknown {
  return walk(value, formatError, [], 0);
}

function walk(
  value: unknown,
  formatError: FormatError,
  ancestors: object[],
  depth: number,
): unknown {
  if (typeof value === "string") return redactText(value);
  if (typeof value !== "object" || value === null) return value;
  if (ancestors.includes(value)) return "[Circular]";
  if (depth >= MAX_DEPTH) return "[Truncated]";
  if (ArrayBuffer.isView(value)) return `[${value.byteLength} bytes]`;
  let source: unknown = value;
  if (value instanceof Error) source = formatError(value);
  else if (typeof (value as { toJSON?: unknown }).toJSON === "function") {
    source = (value as { toJSON(): unknown }).toJSON();
    if (typeof source !== "object" || source === null) return walk(source, formatError, [], depth);
  }
  const inside = [...ancestors, value];
  if (Array.isArray(source))
    return source.map((item) => walk(item, formatError, inside, depth + 1));
  if (source instanceof Map) source = Object.fromEntries(source);
  const copy: Record<string, unknown> = {};
  for (const [key, item] of Object.entries(source as Record<string, unknown>)) {
    copy[key] = isSecretKey(key) ? maskValue(item) : walk(item, formatError, inside, depth + 1);
  }
  return copy;
}

/** Booleans and absent values say nothing secret ("hasPassword": true) and stay readable. */
function maskValue(value: unknown): unknown {
  return value === undefined || value === null || typeof value === "boolean" ? value : REDACTED;
}
