/**
 * Connect clients for calling other services, with a deadline on every call, and a CLIENT span
 * whose trace context travels in the request's `traceparent` header (tracing.ts).
 *
 * By default calls go over Node's HTTP/1.1 stack with keep-alive connections: unary ones through
 * slipway's own lean Connect client (unary-transport.ts), streaming ones through connect-node's.
 * Pass `fetch` to route calls through your own fetch function instead: a request signer (SigV4
 * for IAM function URLs), or an in-process app's `fetch` in tests.
 *
 * Given several base URLs (a service's replicas, `<SERVICE>_URLS`), calls take turns over them
 * (round-robin.ts).
 *
 * @example
 * const catalog = createServiceClient(CatalogService, { baseUrl: config.CATALOG_URL, timeoutMs: 2000 });
 * const { product } = await catalog.getProduct({ id });
 * createServiceClient(CatalogService, { baseUrl: ["http://127.0.0.1:3002", "http://127.0.0.1:3012"], timeoutMs: 2000 });
 */
import type { DescService } from "@bufbuild/protobuf";
import {
  type Client,
  Code,
  ConnectError,
  createClient,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createConnectTransport as createNodeTransport } from "@connectrpc/connect-node";
import { createConnectTransport as createFetchTransport } from "@connectrpc/connect-web";
import { forwardRequestId } from "../logging/log-context.js";
import { roundRobinTransport } from "./round-robin.js";
import { clientTracing } from "./tracing.js";
import { createUnaryTransport } from "./unary-transport.js";

export interface ServiceClientOptions {
  /** Where the service answers; several URLs (replicas) are called in turn. */
  baseUrl: string | readonly string[];
  /** Deadline of each call unless the caller passes its own `timeoutMs`. */
  timeoutMs: number;
  fetch?: typeof globalThis.fetch;
  interceptors?: Interceptor[];
  /** Protobuf binary (default) or JSON on the wire. */
  useBinaryFormat?: boolean;
  /**
   * Unary calls through unary-transport.ts (default), which spends well under half of
   * connect-node's client CPU per call; `false` sends them through connect-node's transport.
   * Ignored with `fetch`.
   */
  fastUnary?: boolean;
}

const MAX_MESSAGE_BYTES = 4 * 1024 * 1024;

export function createServiceClient<T extends DescService>(
  service: T,
  options: ServiceClientOptions,
): Client<T> {
  return createClient(service, createServiceTransport(options));
}

export function createServiceTransport(options: ServiceClientOptions): Transport {
  const baseUrls = typeof options.baseUrl === "string" ? [options.baseUrl] : options.baseUrl;
  if (baseUrls.length === 0) throw new Error("a service client needs at least one base URL");
  return roundRobinTransport(baseUrls.map((baseUrl) => transportTo(baseUrl, options)));
}

function transportTo(baseUrl: string, options: ServiceClientOptions): Transport {
  const common = {
    baseUrl,
    useBinaryFormat: options.useBinaryFormat ?? true,
    // Tracing first, so its span and duration cover every other interceptor.
    // The request id travels with the call, so the callee's log lines name it too.
    interceptors: [clientTracing, forwardRequestId(), ...(options.interceptors ?? [])],
    defaultTimeoutMs: options.timeoutMs,
    readMaxBytes: MAX_MESSAGE_BYTES,
    writeMaxBytes: MAX_MESSAGE_BYTES,
  };
  if (options.fetch) {
    // connect-web's transport sends unary bodies as bytes; the fetch-based client in
    // @connectrpc/connect sends a stream, which Node 20's fetch rejects without `duplex`.
    return createFetchTransport({ ...common, fetch: unavailableOnNetworkError(options.fetch) });
  }
  if (options.fastUnary ?? true) return createUnaryTransport(common);
  return createNodeTransport({ ...common, httpVersion: "1.1" });
}

/**
 * A fetch that fails to reach the server rejects with a bare TypeError, which Connect reports as
 * `Unknown`; callers retry and map `Unavailable`, as the Node transport reports it.
 */
function unavailableOnNetworkError(fetchFn: typeof fetch): typeof fetch {
  return async (input, init) => {
    try {
      return await fetchFn(input, init);
    } catch (error) {
      // A deadline or a caller's cancel aborts the signal; Connect reports those itself.
      if (init?.signal?.aborted || error instanceof ConnectError) throw error;
      throw new ConnectError("service unreachable", Code.Unavailable, undefined, undefined, error);
    }
  };
}
