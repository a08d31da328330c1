/**
 * Serves Connect services inside a Hono app through Connect's fetch handler, so the same app
 * runs under `@hono/node-server` locally and `hono/aws-lambda` in the cloud. Every protocol is
 * on: Connect (binary and JSON), gRPC-web, and gRPC where the server speaks HTTP/2. Every call
 * gets a SERVER span continuing the caller's trace and a duration metric (tracing.ts).
 *
 * @example
 * const app = new Hono();
 * mountConnect(app, (router) => router.service(CatalogService, impl), { interceptors });
 */
import { type ConnectRouter, createConnectRouter, type Interceptor } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import type { Hono } from "hono";
import { serverTracing } from "./tracing.js";

export interface MountConnectOptions {
  interceptors?: Interceptor[];
  /** Largest request message accepted, in bytes; larger ones fail with ResourceExhausted. */
  readMaxBytes?: number;
  /** Upper bound on the deadline a client may ask for. */
  maxTimeoutMs?: number;
}

export function mountConnect(
  app: Hono,
  routes: (router: ConnectRouter) => void,
  options: MountConnectOptions = {},
): ConnectRouter {
  const router = createConnectRouter({
    // Tracing first, so its span and duration cover every other interceptor.
    interceptors: [serverTracing, ...(options.interceptors ?? [])],
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    maxTimeoutMs: options.maxTimeoutMs ?? 60_000,
  });
  routes(router);
  for (const handler of router.handlers) {
    const handleFetch = createFetchHandler(handler);
    app.on(handler.allowedMethods, handler.requestPath, async (c) =>
      blameBadProtobufOnCaller(c.req.raw, await handleFetch(c.req.raw)),
    );
  }
  return router;
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
