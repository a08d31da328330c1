/**
 * The unit of work a log line belongs to: the request id of an HTTP/RPC request or the id of
 * the message being consumed, plus any fields that should be on every line inside it. The
 * logger's formatter reads it at log time, so one logger shared by concurrent requests (as
 * under `npm start`) still labels each line with its own request. (Powertools' `appendKeys`
 * is per logger instance, not per async flow, hence this.)
 *
 * @example
 * app.use(requestLogContext());                          // every Hono app, first
 * await withLogContext({ messageId: envelope.id }, () => handle(envelope));
 * createServiceClient(Service, { interceptors: [forwardRequestId()] });
 */
import { AsyncLocalStorage } from "node:async_hooks";
import { randomUUID } from "node:crypto";
import type { Interceptor } from "@connectrpc/connect";
import type { Context, MiddlewareHandler } from "hono";

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

/**
 * Hono middleware: takes the request id from `x-request-id` when it is a sane token (at most
 * 255 of `[A-Za-z0-9_=-]`, as hono's `requestId` accepts), else API Gateway's request id in
 * Lambda, else a new UUID; runs the rest of the request in its log context and echoes the id
 * in the response. Mount it first, so the error handler's lines carry the id too.
 */
export function requestLogContext(): MiddlewareHandler {
  return async (c, next) => {
    const given = c.req.header(REQUEST_ID_HEADER);
    const id = given && REQUEST_ID.test(given) ? given : lambdaRequestIdOrNew(c);
    await withLogContext({ requestId: id }, next);
    // After the handler: a Response it returned itself (Connect's, a proxied one) keeps no
    // header set beforehand.
    c.header(REQUEST_ID_HEADER, id);
  };
}

const REQUEST_ID = /^[\w=-]{1,255}$/;

function lambdaRequestIdOrNew(c: Context): string {
  // hono/aws-lambda puts the API Gateway event in `c.env`; under Node `c.env` is the socket pair.
  const event = (c.env as { event?: { requestContext?: { requestId?: unknown } } } | undefined)
    ?.event;
  const id = event?.requestContext?.requestId;
  return typeof id === "string" && REQUEST_ID.test(id) ? id : randomUUID();
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
