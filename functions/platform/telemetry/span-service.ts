/**
 * Which service a span belongs to. `npm start` runs every service in one process, so the
 * process (the OpenTelemetry resource) cannot say it; each span carries it as its
 * `slipway.service` attribute, which `ServiceAttribution` sets when the span starts, from the
 * first of:
 *
 * 1. the attribute itself, when the instrumentation set it (`{ [SERVICE_ATTRIBUTE]: "orders" }`);
 * 2. the tracer's name, when it is `slipway.<service>` and `<service>` is one of ours
 *    (`trace.getTracer("slipway.orders")`); area tracers (`slipway.rpc`, `slipway.http`,
 *    `slipway.events`, `slipway.db`, ...) name no service; or, for a CONSUMER span, the queue it
 *    receives from (`messaging.destination.name`), which is named after its service (a bus
 *    namespace may prefix it: `slipway-orders`);
 * 3. the parent span's, when the parent is a span of this process;
 * 4. the service whose entry point is running: a run mode wraps each service's HTTP handler and
 *    event consumer in `asService(name, handler)` (npm start does).
 *
 * A span with none of these belongs to the process's own service (`slipway` under `npm start`;
 * on Lambda one process is one service, so that is always right there).
 *
 * @example
 * servers.listen(asService("orders", orders.app.fetch));   // every span of a request: orders
 * serviceOf(span, "slipway");                              // its service, when exported
 */
import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  SpanKind,
  trace,
} from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace-base";

/** The span attribute naming the service a span belongs to. */
export const SERVICE_ATTRIBUTE = "slipway.service";

/** Services whose tracer name `slipway.<service>` attributes a span to them. */
export const SERVICES = ["gateway", "identity", "catalog", "orders", "payments"] as const;

const TRACER_PREFIX = "slipway.";

const SERVICE_KEY = createContextKey("slipway.service");

interface SpanLike {
  readonly kind: SpanKind;
  readonly attributes: Attributes;
  readonly instrumentationScope: { readonly name: string };
}

/** The span's service (rules 1 and 2 above, which hold at export too), else `processService`. */
export function serviceOf(span: SpanLike, processService: string): string {
  return ownService(span) ?? processService;
}

function ownService(span: SpanLike): string | undefined {
  const attribute = span.attributes[SERVICE_ATTRIBUTE];
  if (typeof attribute === "string" && attribute !== "") return attribute;
  const scope = span.instrumentationScope.name;
  if (scope.startsWith(TRACER_PREFIX)) {
    const name = scope.slice(TRACER_PREFIX.length);
    if (isService(name)) return name;
  }
  const queue = span.attributes["messaging.destination.name"];
  if (span.kind === SpanKind.CONSUMER && typeof queue === "string") {
    const name = queue.slice(Math.max(queue.lastIndexOf("-"), queue.lastIndexOf(".")) + 1);
    if (isService(name)) return name;
  }
  return undefined;
}

const isService = (name: string) => (SERVICES as readonly string[]).includes(name);

/** `handler`, run as `service`'s: spans it starts belong to that service (rule 4). */
export function asService<Args extends unknown[], Result>(
  service: string,
  handler: (...args: Args) => Result,
): (...args: Args) => Result {
  return (...args) =>
    context.with(context.active().setValue(SERVICE_KEY, service), () => handler(...args));
}

/** Sets each span's `slipway.service` as it starts (rules 1 to 4), so its children can ask. */
export class ServiceAttribution implements SpanProcessor {
  onStart(span: Span, parentContext: Context): void {
    if (typeof span.attributes[SERVICE_ATTRIBUTE] === "string") return;
    const service =
      ownService(span) ??
      parentService(parentContext) ??
      serviceIn(parentContext) ??
      // A span made with an explicit parent (a consumer's, from the message) still runs in
      // the entry point's context.
      serviceIn(context.active());
    if (service !== undefined) span.setAttribute(SERVICE_ATTRIBUTE, service);
  }

  onEnd(_span: ReadableSpan): void {}

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}

function serviceIn(active: Context): string | undefined {
  const service = active.getValue(SERVICE_KEY);
  return typeof service === "string" ? service : undefined;
}

/** The parent's attribute when the parent is a span of this process (a remote one has none). */
function parentService(parentContext: Context): string | undefined {
  const parent = trace.getSpan(parentContext) as Partial<ReadableSpan> | undefined;
  const service = parent?.attributes?.[SERVICE_ATTRIBUTE];
  return typeof service === "string" ? service : undefined;
}
