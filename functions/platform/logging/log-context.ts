/**
 * The unit of work a log line belongs to: the request id of an HTTP/RPC request or the id of
 * the message being consumed, plus any fields that should be on every line inside it. The
 * logger's formatter reads it at log time, so one logger shared by concurrent requests (as
 * under `npm start`) still labels each line with its own request. (Powertools' `appendKeys`
 * is per logger instance, not per async flow, hence this.)
 *
 * @example
 * app.use(requestLogContext({ logger }));                // every Hono app, before the routes
 * await withLogContext({ messageId: envelope.id }, () => handle(envelope));
 * createServiceClient(Service, { interceptors: [forwardRequestId()] });
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import { LogLevelThreshold } from "@aws-lambda-powertools/logger";
import type { Interceptor } from "@connectrpc/connect";
import { context, propagation, trace } from "@opentelemetry/api";
import type { Context, MiddlewareHandler } from "hono";
import type { Logger } from "../logger.js";

export const REQUEST_ID_HEADER = "x-request-id";

export interface LogContext {
  requestId?: string;
  messageId?: string;
  /** Overrides the `function` key (the role outside Lambda: "api", "consumer", ...). */
  function?: string;
  [field: string]: unknown;
}

const storage = new AsyncLocalStorage<LogContext>();

/**
 * Runs `fn` with `fields` on every log line written inside it. Fields merge into the enclosing
 * context, except that a `requestId` or `messageId` starts a new unit of work: a consumer woken
 * up from inside some request must not carry that request's id.
 */
export function withLogContext<T>(fields: LogContext, fn: () => T): T {
  const startsWork = fields.requestId !== undefined || fields.messageId !== undefined;
  const enclosing = startsWork ? undefined : storage.getStore();
  return storage.run({ ...enclosing, ...fields }, fn);
}

/** The context of the current async flow, if any. */
export function currentLogContext(): Readonly<LogContext> | undefined {
  return storage.getStore();
}

export interface RequestLogOptions {
  /** When given, one line per request as it ends: method, path (never the query), status, time. */
  logger?: Logger;
  /** Level of that line; DEBUG by default (API Gateway keeps access logs of its own). */
  level?: "debug" | "info";
}

/**
 * Hono middleware: takes the request id from `x-request-id` when it is a sane token (at most
 * 255 of `[A-Za-z0-9_=-]`, as hono's `requestId` accepts), else API Gateway's request id in
 * Lambda, else a new UUID; runs the rest of the request in its log context and echoes the id
 * in the response. Mount it right after the tracing middleware where there is one (so its line
 * is inside the request's span) and before the routes; the error handler's lines carry the id.
 */
export function requestLogContext(options: RequestLogOptions = {}): MiddlewareHandler {
  const { logger, level = "debug" } = options;
  return async (c, next) => {
    const started = performance.now();
    const given = c.req.header(REQUEST_ID_HEADER);
    const id = given && REQUEST_ID.test(given) ? given : lambdaRequestIdOrNew(c);
    await withLogContext({ requestId: id, ...lambdaInvocation(c) }, async () => {
      await next();
      if (!logger || logger.level > LogLevelThreshold[LINE_LEVEL[level]]) return;
      const fields = {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round(performance.now() - started),
      };
      inCallersTrace(c.req.raw.headers, () => logger[level]("request handled", fields));
    });
    setResponseHeader(c, REQUEST_ID_HEADER, id);
  };
}

const LINE_LEVEL = { debug: "DEBUG", info: "INFO" } as const;

/**
 * Sets a header on the response the handler made. Set beforehand, it would be lost on a
 * Response the handler returned itself (Connect's, a proxied one). Hono's own `c.header` on a
 * finished response rebuilds it around `res.body`, which under @hono/node-server turns an
 * in-memory body into a stream for every request; the response's own headers are mutable
 * unless it came from `fetch()` or `Response.redirect()`, and only those take the slow way.
 */
function setResponseHeader(c: Context, name: string, value: string): void {
  try {
    c.res.headers.set(name, value);
  } catch {
    c.header(name, value);
  }
}

/**
 * Runs `fn` in the active span, or else in the trace the request came with: a Connect
 * service's SERVER span lives inside the Connect handler and has ended when the request's
 * line is written, and that line still belongs to the caller's trace.
 */
function inCallersTrace(headers: Headers, fn: () => void): void {
  const active = context.active();
  const traced = trace.getSpan(active)
    ? active
    : propagation.extract(active, Object.fromEntries(headers));
  context.with(traced, fn);
}

const REQUEST_ID = /^[\w=-]{1,255}$/;

/** What hono/aws-lambda puts in `c.env`; under Node `c.env` is the socket pair instead. */
interface LambdaEnv {
  event?: { requestContext?: { requestId?: unknown } };
  lambdaContext?: { awsRequestId?: unknown };
}

function lambdaRequestIdOrNew(c: Context): string {
  const id = (c.env as LambdaEnv | undefined)?.event?.requestContext?.requestId;
  return typeof id === "string" && REQUEST_ID.test(id) ? id : randomUUID();
}

/** The invocation's id, as Lambda's own START/END/REPORT lines name it. */
function lambdaInvocation(c: Context): { function_request_id?: string } {
  const id = (c.env as LambdaEnv | undefined)?.lambdaContext?.awsRequestId;
  return typeof id === "string" ? { function_request_id: id } : {};
}

/**
 * Connect client interceptor: sends the current request id on to the next service, so a
 * gateway request and the RPCs it makes share one `request_id`.
 */
export function forwardRequestId(): Interceptor {
  return (next) => (req) => {
    const id = currentLogContext()?.requestId;
    if (id && !req.header.has(REQUEST_ID_HEADER)) req.header.set(REQUEST_ID_HEADER, id);
    return next(req);
  };
}
