/**
 * Serves Connect services inside a Hono app through Connect's fetch handler, so the same app
 * runs under `@hono/node-server` locally and `hono/aws-lambda` in the cloud. Every protocol is
 * on: Connect (binary and JSON), gRPC-web, and gRPC where the server speaks HTTP/2.
 *
 * @example
 * const app = new Hono();
 * mountConnect(app, (router) => router.service(CatalogService, impl), { interceptors });
 */
import { type ConnectRouter, createConnectRouter, type Interceptor } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import type { Hono } from "hono";

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
    interceptors: options.interceptors ?? [],
    readMaxBytes: options.readMaxBytes ?? 4 * 1024 * 1024,
    maxTimeoutMs: options.maxTimeoutMs ?? 60_000,
  });
  routes(router);
  for (const handler of router.handlers) {
    const handleFetch = createFetchHandler(handler);
    app.on(handler.allowedMethods, handler.requestPath, (c) => handleFetch(c.req.raw));
  }
  return router;
}
