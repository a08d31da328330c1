/**
 * A fast path for the calls that make up nearly all of slipway's traffic: Connect-protocol unary
 * POSTs, binary or JSON, uncompressed. Stock, `createFetchHandler` turns each request body into a
 * `ReadableStream` (under `@hono/node-server` that materialises a full Fetch `Request`), each
 * answer into another one, and the handler builds and tears down a set of AbortControllers that
 * most calls never look at. Here the body is read once as bytes, the answer is built from bytes
 * (both Hono adapters send those directly), and the call's signal is made only when read
 * (call-context.ts).
 *
 * The protocol is connect-es's own, step for step as its Connect unary handler
 * (protocol-connect/handler-factory.js) and through its exported pieces: `parseTimeout`,
 * `readAllBytes`' limits and errors (readMaxBytes, content-length), the router's serializers, the router's
 * interceptors in order, `errorToJsonBytes` with details and metadata, `codeToHttpStatus`,
 * `trailerMux`. The differential test (fast-unary.test.ts) holds it to the stock answers, byte
 * for byte. Anything else (GET, streaming methods, compressed bodies, gRPC, gRPC-web, other
 * content types) is not for this path: `acceptsFastUnary` answers false and the caller uses the
 * stock handler.
 *
 * @example
 * const fast = createFastUnaryHandler(spec, { interceptors, readMaxBytes, maxTimeoutMs });
 * app.post(path, (c) => (acceptsFastUnary(c.req.raw) ? fast(c.req.raw) : stock(c.req.raw)));
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  createAsyncIterable,
  createMethodSerializationLookup,
  readAllBytes,
  validateReadWriteMaxBytes,
} from "@connectrpc/connect/protocol";
import {
  codeToHttpStatus,
  contentTypeUnaryJson,
  contentTypeUnaryRegExp,
  errorToJsonBytes,
  headerContentType,
  headerTimeout,
  headerUnaryContentLength,
  headerUnaryEncoding,
  parseContentType,
  parseTimeout,
  trailerMux,
} from "@connectrpc/connect/protocol-connect";
import { createCallContext, invokeUnary, type UnarySpec } from "./call-context.js";

/**
 * The router options the fast path honours; `mountConnect` sets no others. (Stock options it
 * leaves at their defaults: no `requireConnectProtocolHeader`, no compression, no JSON or binary
 * options, no shutdown signal.)
 */
export interface FastUnaryOptions {
  interceptors: readonly Interceptor[];
  readMaxBytes: number;
  maxTimeoutMs: number;
}

/** Whether `request` is one this path serves; true only for a unary method's route. */
export function acceptsFastUnary(request: Request): boolean {
  if (request.method !== "POST") return false;
  const encoding = request.headers.get(headerUnaryEncoding);
  if (encoding !== null && encoding !== "identity") return false;
  return contentTypeUnaryRegExp.test(request.headers.get(headerContentType) ?? "");
}

export function createFastUnaryHandler(
  spec: UnarySpec,
  options: FastUnaryOptions,
): (request: Request) => Promise<Response> {
  const limits = validateReadWriteMaxBytes(options.readMaxBytes, undefined, undefined);
  const serialization = createMethodSerializationLookup(spec.method, undefined, undefined, limits);
  return async function handleFastUnary(request) {
    const binary = parseContentType(request.headers.get(headerContentType))?.binary ?? false;
    const timeout = parseTimeout(request.headers.get(headerTimeout), options.maxTimeoutMs);
    const context = createCallContext({ spec, request, timeoutMs: timeout.timeoutMs, binary });
    let status = 200;
    let body: Uint8Array;
    try {
      if (timeout.error) throw timeout.error;
      const bytes = await readBody(request, limits.readMaxBytes);
      const input = serialization.getI(binary).parse(bytes);
      const output = await invokeUnary(spec, context, input, options.interceptors);
      body = serialization.getO(binary).serialize(output);
    } catch (e) {
      context.abort(e);
      const error =
        e instanceof ConnectError
          ? e
          : new ConnectError("internal error", Code.Internal, undefined, undefined, e);
      status = codeToHttpStatus(error.code);
      context.responseHeader.set(headerContentType, contentTypeUnaryJson);
      error.metadata.forEach((value, key) => {
        context.responseHeader.set(key, value);
      });
      body = errorToJsonBytes(error, undefined);
    } finally {
      context.abort();
    }
    // trailerMux copies the headers to add the trailers; most calls have none.
    const header = hasAny(context.responseTrailer)
      ? trailerMux(context.responseHeader, context.responseTrailer)
      : context.responseHeader;
    header.set(headerUnaryContentLength, body.byteLength.toString(10));
    return new Response(body as Uint8Array<ArrayBuffer>, { status, headers: header });
  };
}

function hasAny(headers: Headers): boolean {
  return !headers.keys().next().done;
}

/**
 * The body as `readAllBytes` reads it, with its errors: ResourceExhausted past `readMaxBytes`
 * (for an oversized `content-length`, before a byte is read), InvalidArgument when the body
 * and its `content-length` disagree. The usual case, a body of the length its header gives,
 * is read in one go (which `@hono/node-server` does straight from the socket) and taken as is;
 * a body without a length (chunked, as the connect-node client sends) is read chunk by chunk,
 * so reading stops at `readMaxBytes` instead of the server buffering whatever a caller sends.
 */
async function readBody(request: Request, readMaxBytes: number): Promise<Uint8Array> {
  const lengthHeader = request.headers.get(headerUnaryContentLength);
  // Parsed as readAllBytes parses it.
  const length = lengthHeader === null ? Number.NaN : Number.parseInt(lengthHeader, 10);
  if (!Number.isSafeInteger(length) || length < 0) {
    return readAllBytes(chunksOf(request.body), readMaxBytes, lengthHeader);
  }
  if (length > readMaxBytes) return readAllBytes(chunksOf(null), readMaxBytes, lengthHeader);
  const bytes = new Uint8Array(await request.arrayBuffer());
  if (bytes.byteLength === length) return bytes;
  return readAllBytes(createAsyncIterable([bytes]), readMaxBytes, lengthHeader);
}

// Like the stock adapter, stopping early leaves the stream as it is rather than cancelling it.
async function* chunksOf(body: ReadableStream<Uint8Array> | null): AsyncIterable<Uint8Array> {
  if (body === null) return;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return;
    yield value;
  }
}
