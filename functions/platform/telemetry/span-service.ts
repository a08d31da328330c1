/**
 * Which service a span belongs to. `npm start` runs every service in one process, so the
 * process (the OpenTelemetry resource) cannot say it; each span does, by one of:
 *
 * 1. a `slipway.service` string attribute (set by shared instrumentation that serves many
 *    services, e.g. an RPC server span or an event consumer span: `{ [SERVICE_ATTRIBUTE]: "orders" }`);
 * 2. else the tracer's name, when it is `slipway.<service>` and `<service>` is one of ours
 *    (`trace.getTracer("slipway.orders")`); area tracers (`slipway.rpc`, `slipway.events`,
 *    `slipway.db`, `slipway.bus`, ...) name no service;
 * 3. else the process's own service (`slipway` under `npm start`, the function's service on
 *    Lambda, where one process is one service and rule 3 is always right).
 *
 * @example
 * serviceOf(span, "slipway"); // "orders" for a span of tracer "slipway.orders"
 */
import type { Attributes } from "@opentelemetry/api";

/** The span attribute naming the service a span belongs to. */
export const SERVICE_ATTRIBUTE = "slipway.service";

/** Services whose tracer name `slipway.<service>` attributes a span to them. */
export const SERVICES = ["gateway", "identity", "catalog", "orders", "payments"] as const;

const TRACER_PREFIX = "slipway.";

interface SpanLike {
  readonly attributes: Attributes;
  readonly instrumentationScope: { readonly name: string };
}

export function serviceOf(span: SpanLike, processService: string): string {
  const attribute = span.attributes[SERVICE_ATTRIBUTE];
  if (typeof attribute === "string" && attribute !== "") return attribute;
  const scope = span.instrumentationScope.name;
  if (scope.startsWith(TRACER_PREFIX)) {
    const name = scope.slice(TRACER_PREFIX.length);
    if ((SERVICES as readonly string[]).includes(name)) return name;
  }
  return processService;
}
