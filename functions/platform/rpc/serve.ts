/**
 * Serves Connect services inside a Hono app through Connect's fetch handler, so the same app
 * runs under `@hono/node-server` locally and `hono/aws-lambda` in the cloud. Every protocol is
 * on: Connect (binary and JSON), gRPC-web, and gRPC where the server speaks HTTP/2. Every call
 * gets a SERVER span continuing the caller's trace and a duration metric (tracing.ts).
 * Connect unary POSTs take a fast path to the same implementations and interceptors, with the
 * same answers and a fraction of the adapter work (unary-server/fast-unary.ts).
 *
 * @example
 * const app = new Hono();
 * mountConnect(app, (router) => router.service(CatalogService, impl), { interceptors });
 */
import {
  type ConnectRouter,
  createConnectRouter,
  createMethodImplSpec,
  createServiceImplSpec,
  type Interceptor,
  type MethodImplSpec,
} from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import type { Hono } from "hono";
import { serverTracing } from "./tracing.js";
import type { UnarySpec } from "./unary-server/call-context.js";
import { acceptsFastUnary, createFastUnaryHandler } from "./unary-server/fast-unary.js";

export interface MountConnectOptions {
  interceptors?: Interceptor[];
  /** Largest request message accepted, in bytes; larger ones fail with ResourceExhausted. */
  readMaxBytes?: number;
  /** Upper bound on the deadline a client may ask for. */
  maxTimeoutMs?: number;
  /**
   * Serve Connect unary POSTs on the fast path (same implementations and interceptors, same
   * answers, less adapter work). On by default; false sends every request through
   * `createFetchHandler`.
   */
  fastUnary?: boolean;
}

export function mountConnect(
  app: Hono,
  routes: (router: ConnectRouter) => void,
  options: MountConnectOptions = {},
): ConnectRouter {
  // The fast path gets these same options: one added here must be honoured there too
  // (FastUnaryOptions), or its routes left to the stock handler.
  const routerOptions = {
    // Tracing first, so its span and duration cover every other interceptor.
    interceptors: [serverTracing, ...(options.interceptors ?? [])],
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    maxTimeoutMs: options.maxTimeoutMs ?? 60_000,
  };
  const router = createConnectRouter(routerOptions);
  const specs: (MethodImplSpec | undefined)[] = [];
  routes(recordingSpecs(router, specs));
  router.handlers.forEach((handler, i) => {
    const handleFetch = createFetchHandler(handler);
    const spec = specs[i];
    const handleFast =
      (options.fastUnary ?? true) && spec?.kind === "unary" && spec.method === handler.method
        ? createFastUnaryHandler(spec as UnarySpec, routerOptions)
        : undefined;
    app.on(handler.allowedMethods, handler.requestPath, async (c) => {
      const request = c.req.raw;
      const response =
        handleFast && acceptsFastUnary(request)
          ? await handleFast(request)
          : await handleFetch(request);
      return blameBadProtobufOnCaller(request, response);
    });
  });
  return router;
}

/**
 * The router, noting each handler's implementation in `specs` (same order as `handlers`), which
 * the router keeps to itself. Routes given their own options stay on the stock path.
 */
function recordingSpecs(router: ConnectRouter, specs: (MethodImplSpec | undefined)[]) {
  const recording: ConnectRouter = {
    get handlers() {
      return router.handlers;
    },
    service(service, implementation, handlerOptions) {
      router.service(service, implementation, handlerOptions);
      const spec = createServiceImplSpec(service, implementation);
      for (const method of service.methods) {
        specs.push(handlerOptions ? undefined : spec.methods[method.localName]);
      }
      return recording;
    },
    rpc(method, impl, handlerOptions) {
      router.rpc(method, impl, handlerOptions);
      specs.push(handlerOptions ? undefined : createMethodImplSpec(method, impl));
      return recording;
    },
  };
  return recording;
}

const UNARY_PROTO = /^application\/proto\s*(;|$)/i;

/**
 * connect-es reports a request body that is not valid protobuf as `internal` (its parser is
 * shared with response parsing, where that would be right). For a request it is the caller's
 * mistake: answer `invalid_argument`, as the JSON codec already does. Connect unary only;
 * streaming and gRPC-web framings keep the library's answer.
 */
async function blameBadProtobufOnCaller(request: Request, response: Response): Promise<Response> {
  if (response.status !== 500 || !UNARY_PROTO.test(request.headers.get("content-type") ?? "")) {
    return response;
  }
  const body = (await response
    .clone()
    .json()
    .catch(() => undefined)) as { code?: string; message?: string } | undefined;
  if (body?.code !== "internal" || !body.message?.startsWith("parse binary")) return response;
  return new Response(
    JSON.stringify({
      code: "invalid_argument",
      message: "the request is not a valid protobuf message",
    }),
    { status: 400, headers: { "content-type": "application/json" } },
  );
}
