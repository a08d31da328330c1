/**
 * Identity's public HTTP endpoints, served at the gateway's origin (TOKEN_ISSUER) by passing
 * each request on to identity and its answer back: the OAuth 2.0 authorization and token
 * endpoints, the key set and the discovery document. They speak OAuth (forms, redirects,
 * RFC 6749 JSON errors), not this API's JSON, so they are relayed as they are.
 *
 * Only the headers that carry meaning end to end cross, each way (an allowlist, so hop-by-hop
 * headers such as Connection or Transfer-Encoding never do). Bodies are limited as everywhere
 * (413). When identity cannot be reached or fails, the answer is this gateway's problem+json:
 * 503, 504 when it is too slow, 502 when it answers with a failure or breaks off. Each relay is
 * a CLIENT span whose `traceparent` goes along, so identity continues the request's trace.
 */
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { Logger } from "../../platform/logger.js";
import { methodNotAllowed } from "../errors.js";
import { ProblemError, type ProblemKind, problemResponse } from "../problem.js";

const tracer = trace.getTracer("slipway.gateway");

const REQUEST_HEADERS = ["content-type", "content-encoding", "accept", "authorization"];

const RESPONSE_HEADERS = [
  "content-type",
  "location",
  "retry-after",
  "www-authenticate",
  "cache-control",
  "pragma",
  "content-security-policy",
  "x-frame-options",
  "x-content-type-options",
  "referrer-policy",
];

// Statuses whose responses never have a body (RFC 9110).
const NULL_BODY_STATUSES = new Set([101, 204, 205, 304]);

export interface IdentityProxyOptions {
  /** IDENTITY_URL. */
  baseUrl: string;
  fetch: typeof globalThis.fetch;
  timeoutMs: number;
  bodyLimitBytes: number;
  logger: Logger;
}

export function identityProxyRoutes(options: IdentityProxyOptions) {
  const forward = forwarder(options);
  const limit = bodyLimit({
    maxSize: options.bodyLimitBytes,
    onError: (c) =>
      problemResponse(
        new ProblemError(
          "payload-too-large",
          `the request body is over ${options.bodyLimitBytes} bytes`,
        ),
        c.req.path,
      ),
  });
  return new Hono()
    .on(["GET", "POST"], "/oauth2/authorize", limit, forward)
    .post("/oauth2/token", limit, forward)
    .get("/.well-known/jwks.json", forward)
    .get("/.well-known/openid-configuration", forward)
    .all("/oauth2/authorize", methodNotAllowed("GET, POST"))
    .all("/oauth2/token", methodNotAllowed("POST"))
    .all("/.well-known/jwks.json", methodNotAllowed("GET"))
    .all("/.well-known/openid-configuration", methodNotAllowed("GET"));
}

function forwarder({ baseUrl, fetch, timeoutMs, logger }: IdentityProxyOptions): MiddlewareHandler {
  return async (c) => {
    const { pathname, search } = new URL(c.req.url);
    const target = new URL(`${pathname}${search}`, baseUrl);
    const headers = new Headers();
    for (const name of REQUEST_HEADERS) {
      const value = c.req.header(name);
      if (value !== undefined) headers.set(name, value);
    }
    const method = c.req.method;
    // Read here, after the body limit: the request is passed on whole, not streamed.
    const body = method === "GET" || method === "HEAD" ? undefined : await c.req.arrayBuffer();
    const signal = AbortSignal.timeout(timeoutMs);

    let upstream: Response;
    try {
      // Redirects (the authorization endpoint's 303s) are for the browser to follow.
      upstream = await relayed(method, target, headers, () =>
        fetch(target, { method, headers, body, redirect: "manual", signal }),
      );
    } catch (error) {
      const timedOut = signal.aborted;
      logger.warn("identity unreachable", { path: pathname, error });
      return timedOut
        ? failure(c.req.path, "upstream-timeout", "a service did not answer in time; try again")
        : failure(c.req.path, "service-unavailable", "a service is unavailable; try again later");
    }

    if (upstream.status >= 500) {
      // Identity's own failures stay inside, as every 5xx of this gateway does; its 503 keeps
      // the time to come back.
      await upstream.body?.cancel().catch(() => undefined);
      logger.warn("identity failed", { path: pathname, status: upstream.status });
      const response =
        upstream.status === 503
          ? failure(c.req.path, "service-unavailable", "a service is unavailable; try again later")
          : failure(c.req.path, "bad-gateway", "a service failed to answer; try again");
      const retryAfter = upstream.headers.get("retry-after");
      if (upstream.status === 503 && retryAfter) response.headers.set("retry-after", retryAfter);
      return response;
    }

    let content: ArrayBuffer | null = null;
    if (!NULL_BODY_STATUSES.has(upstream.status) && method !== "HEAD") {
      try {
        content = await upstream.arrayBuffer();
      } catch (error) {
        logger.warn("identity broke off its answer", { path: pathname, error });
        return signal.aborted
          ? failure(c.req.path, "upstream-timeout", "a service did not answer in time; try again")
          : failure(c.req.path, "bad-gateway", "a service failed to answer; try again");
      }
    }
    const answer = new Headers();
    for (const name of RESPONSE_HEADERS) {
      const value = upstream.headers.get(name);
      if (value !== null) answer.set(name, value);
    }
    return new Response(content, { status: upstream.status, headers: answer });
  };
}

/** Runs the relay in a CLIENT span and sends its trace context along. */
function relayed(
  method: string,
  target: URL,
  headers: Headers,
  send: () => Promise<Response>,
): Promise<Response> {
  return tracer.startActiveSpan(
    method,
    {
      kind: SpanKind.CLIENT,
      attributes: {
        "http.request.method": method,
        "server.address": target.hostname,
        "url.path": target.pathname,
      },
    },
    async (span) => {
      propagation.inject(context.active(), headers, {
        set: (carrier, key, value) => carrier.set(key, value),
      });
      try {
        const response = await send();
        span.setAttribute("http.response.status_code", response.status);
        if (response.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        return response;
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}

function failure(path: string, kind: ProblemKind, detail: string): Response {
  return problemResponse(new ProblemError(kind, detail), path);
}
