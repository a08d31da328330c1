/**
 * OAuth request parameters from a query string or an `application/x-www-form-urlencoded` body,
 * read strictly: UTF-8 only (also after percent-decoding), bounded in size and count, no NUL
 * (Postgres text cannot hold it), and a parameter sent twice is an error (RFC 6749 §3.1), never
 * "the first one wins". Every refusal is an `invalid_request` OAuthError.
 *
 * @example
 * const params = await readFormBody(c.req.raw);
 * const grantType = params.one("grant_type"); // undefined when absent or empty
 */
import { OAuthError } from "./oauth-error.js";

/** Largest body accepted; a password of 1024 characters fits many times over. */
export const MAX_BODY_BYTES = 32 * 1024;
/** Longest parameter value, in UTF-16 units: anything real (state, verifier, email) is shorter. */
export const MAX_VALUE_LENGTH = 4096;
const MAX_PARAMETERS = 32;

const FORM_MEDIA_TYPE = "application/x-www-form-urlencoded";
const utf8 = new TextDecoder("utf-8", { fatal: true });

export class Params {
  constructor(private readonly values: ReadonlyMap<string, readonly string[]>) {}

  /**
   * The value of a parameter that may be sent once. Empty counts as absent (RFC 6749 §3.1:
   * "parameters sent without a value MUST be treated as if they were omitted").
   */
  one(name: string): string | undefined {
    const values = this.values.get(name);
    if (!values) return undefined;
    if (values.length > 1) {
      throw new OAuthError("invalid_request", `the ${name} parameter must be sent at most once`);
    }
    return values[0] === "" ? undefined : values[0];
  }

  /** Like `one`, but absence is an error too. */
  required(name: string): string {
    const value = this.one(name);
    if (value === undefined) {
      throw new OAuthError("invalid_request", `the ${name} parameter is required`);
    }
    return value;
  }

  /** True when the parameter came more than once. */
  repeated(name: string): boolean {
    return (this.values.get(name)?.length ?? 0) > 1;
  }
}

/** Parses `a=1&b=%C3%A9+x`: `+` is a space, `%XX` a byte, and the bytes must be UTF-8. */
export function parseUrlEncoded(input: string | Uint8Array): Params {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const values = new Map<string, string[]>();
  let count = 0;
  let start = 0;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x26, start); // &
    if (end === -1) end = bytes.length;
    if (end > start) {
      count += 1;
      if (count > MAX_PARAMETERS) throw invalid("the request has too many parameters");
      const pair = bytes.subarray(start, end);
      const equals = pair.indexOf(0x3d); // =
      const name = decode(equals === -1 ? pair : pair.subarray(0, equals));
      const value = equals === -1 ? "" : decode(pair.subarray(equals + 1));
      const list = values.get(name);
      if (list) list.push(value);
      else values.set(name, [value]);
    }
    start = end + 1;
  }
  return new Params(values);
}

/**
 * Reads a form body: `application/x-www-form-urlencoded` (charset, if any, UTF-8), not
 * compressed, at most MAX_BODY_BYTES.
 */
export async function readFormBody(request: Request): Promise<Params> {
  const [mediaType = "", ...parameters] = (request.headers.get("content-type") ?? "")
    .split(";")
    .map((part) => part.trim().toLowerCase());
  if (mediaType !== FORM_MEDIA_TYPE) {
    throw invalid(`the request body must be ${FORM_MEDIA_TYPE}`);
  }
  const charset = parameters
    .map((parameter) => parameter.split("="))
    .find(([name]) => name?.trim() === "charset")?.[1]
    ?.trim()
    .replace(/^"|"$/g, "");
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw invalid("the request body must be UTF-8");
  }
  const encoding = request.headers.get("content-encoding");
  if (encoding && encoding.toLowerCase() !== "identity") {
    throw invalid("compressed request bodies are not supported");
  }
  return parseUrlEncoded(await readLimited(request, MAX_BODY_BYTES));
}

async function readLimited(request: Request, limit: number): Promise<Uint8Array> {
  const declared = Number(request.headers.get("content-length") ?? "0");
  if (declared > limit) throw tooLarge(limit);
  if (!request.body) return new Uint8Array();
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      throw tooLarge(limit);
    }
    chunks.push(value);
  }
  const body = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    body.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return body;
}

/** One form-encoded component (`+` and `%XX` decoded), held to the same rules as a parameter. */
export function formDecode(component: string): string {
  return decode(new TextEncoder().encode(component));
}

function decode(encoded: Uint8Array): string {
  const bytes = new Uint8Array(encoded.length);
  let length = 0;
  for (let i = 0; i < encoded.length; i++) {
    const byte = encoded[i] as number;
    if (byte === 0x2b) {
      bytes[length++] = 0x20; // +
    } else if (byte === 0x25) {
      // %XX; a lone % is malformed rather than kept, so no two readers disagree on a value.
      const high = hexValue(encoded[i + 1]);
      const low = hexValue(encoded[i + 2]);
      if (high === undefined || low === undefined) throw invalid("the request is malformed");
      bytes[length++] = high * 16 + low;
      i += 2;
    } else {
      bytes[length++] = byte;
    }
  }
  let text: string;
  try {
    text = utf8.decode(bytes.subarray(0, length));
  } catch {
    throw invalid("the request is not valid UTF-8");
  }
  if (text.length > MAX_VALUE_LENGTH) throw invalid("a parameter of the request is too long");
  if (text.includes("\u0000")) throw invalid("the request contains a NUL character");
  return text;
}

function hexValue(byte: number | undefined): number | undefined {
  if (byte === undefined) return undefined;
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  const lower = byte | 0x20;
  if (lower >= 0x61 && lower <= 0x66) return lower - 0x61 + 10;
  return undefined;
}

const invalid = (description: string) => new OAuthError("invalid_request", description);
const tooLarge = (limit: number) => invalid(`the request body is over ${limit} bytes`);
