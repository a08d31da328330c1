/**
 * Spans, trace context and durations for every RPC: a CLIENT span per call whose context
 * travels in the request's `traceparent` header, and a SERVER span per call that continues it.
 * `createServiceTransport` and `mountConnect` install them first (outermost), so the durations
 * include every other interceptor. Only `@opentelemetry/api`: without a registered SDK no
 * span is made (tracing-registered.ts) and only the durations are recorded.
 *
 * @example
 * createConnectRouter({ interceptors: [serverTracing, ...others] });
 * createConnectTransport({ interceptors: [clientTracing, ...others] });
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import {
  type Attributes,
  context,
  propagation,
  type Span,
  SpanKind,
  SpanStatusCode,
  type TextMapGetter,
  type TextMapSetter,
  trace,
} from "@opentelemetry/api";
import { type MetricName, metrics } from "../metrics.js";
import { tracingRegistered } from "../telemetry/tracing-registered.js";

const tracer = trace.getTracer("slipway.rpc");

const headerSetter: TextMapSetter<Headers> = {
  set: (headers, key, value) => headers.set(key, value),
};

/** Reads W3C trace context from a Fetch `Headers` (RPC requests, HTTP requests). */
export const headerGetter: TextMapGetter<Headers> = {
  keys: (headers) => [...headers.keys()],
  get: (headers, key) => headers.get(key) ?? undefined,
};

/** The Connect wire name of a code: `not_found`, `deadline_exceeded`. */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/([a-z])([A-Z])/g, "$1_$2").toLowerCase();
}

// A server's span is an error only when the server is at fault (as for gRPC); a client's span
// is an error for every code but OK.
const SERVER_FAULTS = new Set([
  Code.Unknown,
  Code.DeadlineExceeded,
  Code.Unimplemented,
  Code.Internal,
  Code.Unavailable,
  Code.DataLoss,
]);

/** Outermost client interceptor: CLIENT span, `traceparent` header, `rpc_client_duration_ms`. */
export const clientTracing: Interceptor = (next) => async (req) => {
  const service = req.method.parent.typeName;
  const procedure = `${service}/${req.method.name}`;
  const call = { next, req, metric: "rpc_client_duration_ms", procedure } as const;
  const started = performance.now();
  if (!tracingRegistered()) return timed(call, started);
  return tracer.startActiveSpan(
    procedure,
    { kind: SpanKind.CLIENT, attributes: rpcAttributes(service, req.method.name, req.url) },
    async (span) => {
      propagation.inject(context.active(), req.header, headerSetter);
      try {
        return await timed(call, started, (error) => fail(span, error, () => true));
      } finally {
        span.end();
      }
    },
  );
};

/** Outermost server interceptor: SERVER span continuing the caller's, `rpc_server_duration_ms`. */
export const serverTracing: Interceptor = (next) => async (req) => {
  const service = req.method.parent.typeName;
  const procedure = `${service}/${req.method.name}`;
  const call = { next, req, metric: "rpc_server_duration_ms", procedure } as const;
  const started = performance.now();
  if (!tracingRegistered()) return timed(call, started);
  const parent = propagation.extract(context.active(), req.header, headerGetter);
  return tracer.startActiveSpan(
    procedure,
    { kind: SpanKind.SERVER, attributes: rpcAttributes(service, req.method.name) },
    parent,
    async (span) => {
      try {
        return await timed(call, started, (error) =>
          fail(span, error, (failed) => SERVER_FAULTS.has(failed)),
        );
      } finally {
        span.end();
      }
    },
  );
};

type Next = Parameters<Interceptor>[0];

interface TimedCall {
  next: Next;
  req: Parameters<Next>[0];
  metric: MetricName;
  procedure: string;
}

/**
 * Runs the call and records its duration by procedure and code; `failed` answers the code's
 * wire name of an error (and may note it on a span).
 */
async function timed(
  { next, req, metric, procedure }: TimedCall,
  started: number,
  failed: (error: unknown) => string = (error) => codeName(ConnectError.from(error).code),
) {
  let code = "ok";
  try {
    return await next(req);
  } catch (error) {
    code = failed(error);
    throw error;
  } finally {
    metrics.duration(metric, performance.now() - started, { procedure, code });
  }
}

function rpcAttributes(service: string, method: string, url?: string): Attributes {
  const attributes: Attributes = {
    "rpc.system": "connect_rpc",
    "rpc.service": service,
    "rpc.method": method,
  };
  if (url) {
    const { hostname, port, protocol } = new URL(url);
    attributes["server.address"] = hostname;
    attributes["server.port"] = Number(port) || (protocol === "https:" ? 443 : 80);
  }
  return attributes;
}

/** Records the failure on the span; answers the Connect code's wire name. */
function fail(span: Span, error: unknown, isError: (code: Code) => boolean): string {
  const { code, rawMessage } = ConnectError.from(error);
  const name = codeName(code);
  span.setAttribute("rpc.connect_rpc.error_code", name);
  if (isError(code)) {
    // The Connect message only, which the caller sees anyway: internal causes (SQL, driver
    // messages) stay in the logs, as the error interceptor keeps them out of answers.
    span.setStatus({ code: SpanStatusCode.ERROR, message: rawMessage });
    span.recordException({ name: `ConnectError[${name}]`, message: rawMessage });
  }
  return name;
}
