/**
 * The HTTP/1.1 side of unary-transport.ts: Connect unary requests and responses as Node's
 * `http` module has them, with connect-es's limits and error messages.
 *
 * @example
 * http.request({ ..., headers: nodeHeaders(req.header, body.byteLength) });
 * const [header, trailer] = splitTrailers(res.rawHeaders);
 * readBody(res, header.get("content-length"), readMaxBytes, (error, bytes) => { ... });
 */
import type * as http from "node:http";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectErrorFromNodeReason } from "./unary-call.js";

/** A URL's host name as Node's `http.request` takes it: an IPv6 address without brackets. */
export function hostOf(url: URL): string {
  return url.hostname.replace(/^\[(.*)\]$/, "$1");
}

/** The request's headers for Node, one value per name as `Headers` joins them. */
export function nodeHeaders(header: Headers, contentLength: number): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = { "content-length": contentLength };
  header.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}

/** A Connect unary response's headers, and its trailers (sent as `trailer-` headers). */
export function splitTrailers(raw: string[]): [Headers, Headers] {
  const header = new Headers();
  const trailer = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const name = raw[i] as string;
    const value = raw[i + 1] as string;
    if (name.length > 8 && name.slice(0, 8).toLowerCase() === "trailer-") {
      trailer.append(name.slice(8), value);
    } else {
      header.append(name, value);
    }
  }
  return [header, trailer];
}

/** Every header of a response, `trailer-` ones included, as connect-es validates them. */
export function wholeHeader(raw: string[]): Headers {
  const header = new Headers();
  for (let i = 0; i + 1 < raw.length; i += 2) header.append(raw[i] as string, raw[i + 1] as string);
  return header;
}

/**
 * Reads the whole body, failing with ResourceExhausted past `readMaxBytes` (promised or read),
 * or as connect-node reports a connection lost midway.
 */
export function readBody(
  res: http.IncomingMessage,
  contentLength: string | null,
  readMaxBytes: number,
  done: (error: unknown, bytes?: Uint8Array) => void,
): void {
  let finished = false;
  const finish = (error: unknown, bytes?: Uint8Array) => {
    if (finished) return;
    finished = true;
    done(error, bytes);
  };
  const promised = Number(contentLength ?? Number.NaN);
  if (promised > readMaxBytes) {
    finish(tooLarge(readMaxBytes, promised));
    res.destroy();
    return;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  res.on("data", (chunk: Buffer) => {
    size += chunk.byteLength;
    if (size > readMaxBytes) {
      finish(tooLarge(readMaxBytes));
      res.destroy();
      return;
    }
    chunks.push(chunk);
  });
  res.on("error", (error) => finish(connectErrorFromNodeReason(error)));
  res.on("close", () => {
    if (!res.complete) finish(new ConnectError("response ended early", Code.Aborted));
  });
  res.on("end", () => {
    finish(undefined, chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
  });
}

function tooLarge(readMaxBytes: number, size?: number): ConnectError {
  const what = size === undefined ? "message size" : `message size ${size}`;
  return new ConnectError(
    `${what} is larger than configured readMaxBytes ${readMaxBytes}`,
    Code.ResourceExhausted,
  );
}
