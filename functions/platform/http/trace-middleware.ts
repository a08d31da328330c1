/**
 * A SERVER span per HTTP request, continuing the caller's `traceparent` when there is one, and
 * active while the request is handled, so the RPC calls, queries and events it causes join its
 * trace. Named `METHOD /route/:pattern` once routing is known; an error on 5xx. Mount it first.
 * Only `@opentelemetry/api`; without a registered SDK it does nothing (tracing-registered.ts).
 *
 * @example
 * const app = new Hono();
 * app.use(traceRequests());
 */
import {
  type Attributes,
  context,
  propagation,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { MiddlewareHandler } from "hono";
import { routePath } from "hono/route";
import { headerGetter } from "../rpc/tracing.js";
import { tracingRegistered } from "../telemetry/tracing-registered.js";

const tracer = trace.getTracer("slipway.http");

export function traceRequests(): MiddlewareHandler {
  return async (c, next) => {
    if (!tracingRegistered()) return next();
    const request = c.req.raw;
    const url = new URL(request.url);
    const parent = propagation.extract(context.active(), request.headers, headerGetter);
    const attributes: Attributes = {
      "http.request.method": request.method,
      "url.path": url.pathname,
      "url.scheme": url.protocol.replace(":", ""),
      "server.address": url.hostname,
    };
    const userAgent = request.headers.get("user-agent");
    if (userAgent) attributes["user_agent.original"] = userAgent;
    const span = tracer.startSpan(request.method, { kind: SpanKind.SERVER, attributes }, parent);
    try {
      await context.with(trace.setSpan(parent, span), next);
    } finally {
      // The route that answered (the middleware's own is `/*`); none when nothing matched.
      const route = routePath(c);
      if (route && !route.endsWith("*")) {
        span.setAttribute("http.route", route);
        span.updateName(`${request.method} ${route}`);
      }
      const status = c.res.status;
      span.setAttribute("http.response.status_code", status);
      if (status >= 500) {
        span.setStatus({ code: SpanStatusCode.ERROR });
        if (c.error) span.recordException(c.error);
      }
      span.end();
    }
  };
}
