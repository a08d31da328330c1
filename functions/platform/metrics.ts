/**
 * Business and transport metrics: counters and durations with a few low-cardinality
 * dimensions. Code records through `metrics`; where the numbers go is the sink each run mode
 * installs once (CloudWatch EMF in Lambda; an in-process registry served as text locally).
 * Until one is installed they are kept in the in-process registry.
 *
 * The sinks: `metrics/registry.ts` (in-process; importing it makes it the default) with
 * `metrics/exposition.ts` (Prometheus text, the `GET /metrics` handler), and `metrics/emf.ts`
 * (CloudWatch EMF, published once per invocation by the Lambda wrappers).
 *
 * @example
 * metrics.count("orders_placed_total");
 * metrics.count("events_consumed_total", { consumer: "order-saga", outcome: "ok" });
 * metrics.duration("rpc_server_duration_ms", elapsedMs, { procedure, code });
 */

export type Dimensions = Readonly<Record<string, string>>;

export interface MetricsSink {
  count(name: string, dimensions?: Dimensions, value?: number): void;
  duration(name: string, milliseconds: number, dimensions?: Dimensions): void;
}

/** The metric names in use, so a typo is a type error and the list is in one place. */
export type MetricName =
  | "orders_placed_total"
  | "orders_confirmed_total"
  | "orders_rejected_total"
  | "orders_cancelled_total"
  | "orders_refunded_total"
  | "payments_total"
  | "events_published_total"
  | "events_publish_failed_total"
  | "events_consumed_total"
  | "events_retried_total"
  | "events_dead_lettered_total"
  | "rpc_server_duration_ms"
  | "rpc_client_duration_ms";

let sink: MetricsSink | undefined;
const fallback: MetricsSink[] = [];

export const metrics = {
  count(name: MetricName, dimensions?: Dimensions, value = 1): void {
    current().count(name, dimensions, value);
  },
  duration(name: MetricName, milliseconds: number, dimensions?: Dimensions): void {
    current().duration(name, milliseconds, dimensions);
  },
};

/** Installs where metrics go, once per process; returns the previous sink (for tests). */
export function setMetricsSink(next: MetricsSink | undefined): MetricsSink | undefined {
  const previous = sink;
  sink = next;
  return previous;
}

/** Until a run mode installs a sink: `defaultSink` (set by the registry module) or nothing. */
function current(): MetricsSink {
  return sink ?? fallback[0] ?? NO_SINK;
}

/** For the in-process registry to make itself the default without an import cycle. */
export function registerDefaultSink(defaultSink: MetricsSink): void {
  fallback[0] = defaultSink;
}

const NO_SINK: MetricsSink = { count() {}, duration() {} };
