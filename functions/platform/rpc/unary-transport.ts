/**
 * A Connect transport whose unary calls go straight over Node's HTTP/1.1 client with one
 * keep-alive agent: the calls services make to each other. connect-node's transport spends most
 * of a small call's CPU around the request rather than in it (an AbortController linked to the
 * caller's per call and a DOMException to abort it when the call ends, async iterables for a
 * one-message body, headers flushed apart from a chunked body). This one keeps connect-es's
 * protocol code (request headers, response validation, error JSON, trailers, size limits) and
 * the interceptor contract, and drops the plumbing:
 * - the interceptor chain and each method's serializers are built once, not per call;
 * - `req.signal` exists only once an interceptor reads it;
 * - a deadline is one timer, a caller's signal one listener, each only when there is one;
 * - the body goes out in one write, with a content-length.
 * Streaming methods go to connect-node's transport over the same agent. It sends no
 * compression and asks for none (a compressed answer is still read), never uses Connect GET,
 * and speaks neither gRPC nor gRPC-web.
 *
 * @example
 * const transport = createUnaryTransport({ baseUrl, defaultTimeoutMs: 2000, interceptors });
 * const catalog = createClient(CatalogService, transport);
 */
import * as http from "node:http";
import * as https from "node:https";
import { create, type DescMethod, type DescMethodUnary, type Message } from "@bufbuild/protobuf";
import {
  appendHeaders,
  type ConnectError,
  createContextValues,
  type Interceptor,
  type Transport,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import {
  type Compression,
  createMethodSerializationLookup,
  createMethodUrl,
  type Serialization,
  validateReadWriteMaxBytes,
} from "@connectrpc/connect/protocol";
import {
  contentTypeUnaryJson,
  contentTypeUnaryProto,
  errorFromJsonBytes,
  headerUnaryEncoding,
  requestHeader,
  validateResponseWithCompression,
} from "@connectrpc/connect/protocol-connect";
import {
  compressionBrotli,
  compressionGzip,
  createConnectTransport,
} from "@connectrpc/connect-node";
import { connectErrorFromNodeReason, UnaryCall } from "./unary-call.js";
import { hostOf, nodeHeaders, readBody, splitTrailers, wholeHeader } from "./unary-http.js";

export interface UnaryTransportOptions {
  baseUrl: string;
  /** Protobuf binary (default) or JSON on the wire. */
  useBinaryFormat?: boolean;
  interceptors?: Interceptor[];
  /** Deadline of a call that names none; none when undefined. */
  defaultTimeoutMs?: number;
  readMaxBytes?: number;
  writeMaxBytes?: number;
  /** Connections open at once to the base URL; more calls wait for one. */
  maxSockets?: number;
}

type UnaryFn = (req: UnaryRequest) => Promise<UnaryResponse>;
type AnyFn = Parameters<Interceptor>[0];

interface MethodWire {
  url: string;
  path: string;
  input: Serialization<Message>;
  output: Serialization<Message>;
}

// Read, should a server compress anyway; never asked for, so slipway's servers never do.
const READABLE_COMPRESSION: Compression[] = [compressionGzip, compressionBrotli];
// Below a Node server's default keep-alive timeout (5 s), so an idle connection is closed by
// this side first rather than reused just as the server closes it.
const IDLE_SOCKET_MS = 4_000;

export function createUnaryTransport(options: UnaryTransportOptions): Transport {
  const { readMaxBytes, writeMaxBytes } = validateReadWriteMaxBytes(
    options.readMaxBytes,
    options.writeMaxBytes,
    undefined,
  );
  const useBinaryFormat = options.useBinaryFormat ?? true;
  const contentType = useBinaryFormat ? contentTypeUnaryProto : contentTypeUnaryJson;
  const base = new URL(options.baseUrl);
  const baseHost = hostOf(base);
  const secure = base.protocol === "https:";
  const agentOptions: http.AgentOptions = {
    keepAlive: true,
    maxSockets: options.maxSockets ?? 128,
    scheduling: "lifo",
    timeout: IDLE_SOCKET_MS,
  };
  const agent = secure ? new https.Agent(agentOptions) : new http.Agent(agentOptions);
  const streaming = createConnectTransport({
    ...options,
    httpVersion: "1.1",
    nodeOptions: { agent },
  });

  const wires = new Map<DescMethod, MethodWire>();
  function wireOf(method: DescMethod): MethodWire {
    let wire = wires.get(method);
    if (!wire) {
      const url = createMethodUrl(options.baseUrl, method);
      const lookup = createMethodSerializationLookup(method, undefined, undefined, {
        readMaxBytes,
        writeMaxBytes,
      });
      wire = {
        url,
        path: new URL(url).pathname,
        input: lookup.getI(useBinaryFormat),
        output: lookup.getO(useBinaryFormat),
      };
      wires.set(method, wire);
    }
    return wire;
  }

  function send(req: UnaryRequest): Promise<UnaryResponse> {
    const { method } = req;
    const wire = wireOf(method);
    return new Promise<UnaryResponse>((resolve, reject) => {
      // Over writeMaxBytes, ResourceExhausted before anything is sent.
      const body = wire.input.serialize(req.message);
      req.header.delete(headerUnaryEncoding);
      let settled = false;
      let out: http.ClientRequest | undefined;
      let unwatch: (() => void) | undefined;
      const settle = (error: unknown, response?: UnaryResponse) => {
        if (settled) return;
        settled = true;
        unwatch?.();
        if (response) resolve(response);
        else reject(error);
      };
      unwatch = UnaryCall.watch(req, (reason) => {
        settle(reason);
        out?.destroy();
      });
      if (settled) return;
      try {
        // An interceptor may have sent the call elsewhere.
        const target = req.url === wire.url ? base : new URL(req.url);
        const request = target.protocol === "https:" ? https.request : http.request;
        out = request({
          agent: target.protocol === base.protocol ? agent : undefined,
          protocol: target.protocol,
          hostname: target === base ? baseHost : hostOf(target),
          port: target.port,
          path: target === base ? wire.path : target.pathname + target.search,
          method: "POST",
          headers: nodeHeaders(req.header, body.byteLength),
        });
      } catch (error) {
        // A URL or headers Node refuses (characters outside Latin-1, say).
        settle(error);
        return;
      }
      out.on("error", (error) => settle(connectErrorFromNodeReason(error)));
      out.on("response", (res) => {
        const status = res.statusCode ?? 0;
        const [header, trailer] = splitTrailers(res.rawHeaders);
        let unaryError: ConnectError | undefined;
        let compression: Compression | undefined;
        // Spelled out for the common answer; anything else goes through connect-es's checks.
        const plain = status === 200 && header.get("content-type") === contentType;
        if (!plain || header.has(headerUnaryEncoding)) {
          try {
            const checked = validateResponseWithCompression(
              method.methodKind,
              READABLE_COMPRESSION,
              useBinaryFormat,
              status,
              wholeHeader(res.rawHeaders),
            );
            unaryError = checked.unaryError;
            compression = checked.compression;
          } catch (error) {
            settle(error);
            res.resume();
            return;
          }
        }
        readBody(res, header.get("content-length"), readMaxBytes, (error, bytes) => {
          if (error || !bytes) return settle(error);
          if (compression) {
            compression.decompress(bytes, readMaxBytes).then(answer, settle);
          } else {
            answer(bytes);
          }
        });
        function answer(payload: Uint8Array) {
          try {
            if (unaryError) {
              throw errorFromJsonBytes(payload, appendHeaders(header, trailer), unaryError);
            }
            settle(undefined, {
              stream: false,
              service: method.parent,
              method,
              header,
              message: wire.output.parse(payload),
              trailer,
            } as UnaryResponse);
          } catch (error) {
            settle(error);
          }
        }
      });
      out.end(body);
    });
  }

  const chain = (options.interceptors ?? []).reduceRight<AnyFn>(
    (next, interceptor) => interceptor(next),
    send as AnyFn,
  ) as UnaryFn;

  return {
    async unary(method, signal, timeoutMs, header, input, contextValues) {
      const deadline =
        timeoutMs === undefined ? options.defaultTimeoutMs : timeoutMs <= 0 ? undefined : timeoutMs;
      // Before the call starts: a bad input throws with no timer or listener left behind.
      const message = create(method.input, input);
      const call = new UnaryCall(signal, deadline);
      const req = call.request({
        stream: false,
        service: method.parent,
        method: method as DescMethodUnary,
        requestMethod: "POST",
        url: wireOf(method).url,
        header: requestHeader(method.methodKind, useBinaryFormat, deadline, header, true),
        contextValues: contextValues ?? createContextValues(),
        message,
      });
      try {
        const response = await chain(req);
        call.done();
        return response as UnaryResponse<never, never>;
      } catch (error) {
        throw call.fail(error);
      }
    },
    stream: (...args) => streaming.stream(...args),
  };
}
