/**
 * The in-process registry as Prometheus text exposition format (version 0.0.4): counters as
 * `counter`, durations as `histogram` (`_bucket{le}`, `_sum`, `_count`) plus `_min` / `_max`
 * gauges. Mount `metricsHandler()` as `GET /metrics` wherever the process serves HTTP.
 *
 * @example
 * app.get("/metrics", metricsHandler());
 * // # HELP orders_placed_total Orders placed (committed, not idempotent replays).
 * // # TYPE orders_placed_total counter
 * // orders_placed_total 3
 */
import type { Handler } from "hono";
import type { Dimensions, MetricName } from "../metrics.js";
import { defaultRegistry, type MetricsRegistry, type MetricsSnapshot } from "./registry.js";

export const PROMETHEUS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** What each metric means; a name not listed here gets its own name as help. */
export const METRIC_HELP: Partial<Record<MetricName, string>> = {
  orders_placed_total: "Orders placed (committed, not idempotent replays).",
  orders_confirmed_total: "Orders confirmed (stock held and payment authorized).",
  orders_rejected_total: "Orders rejected, by reason.",
  orders_cancelled_total: "Orders cancelled by the customer, by status after the cancel.",
  orders_refunded_total: "Orders refunded after a cancel (money and stock back).",
  payments_total: "Payment operations, by outcome.",
  events_published_total: "Events published to the bus.",
  events_publish_failed_total: "Event publications that failed.",
  events_consumed_total: "Events handled by a consumer, by outcome.",
  events_retried_total: "Event deliveries that failed and will be retried.",
  events_dead_lettered_total: "Event deliveries sent to a dead-letter queue.",
  rpc_server_duration_ms: "Duration of RPCs served, in milliseconds.",
  rpc_client_duration_ms: "Duration of RPCs called, in milliseconds.",
};

/** The snapshot as exposition text: families by name, series by labels, LF line ends. */
export function renderPrometheus(snapshot: MetricsSnapshot): string {
  const lines: string[] = [];
  const families = <T extends { name: string }>(series: T[]) => {
    const byName = new Map<string, T[]>();
    for (const one of series) {
      const name = metricName(one.name);
      byName.set(name, [...(byName.get(name) ?? []), one]);
    }
    return byName;
  };
  const header = (name: string, help: string, type: string) => {
    lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`);
  };
  const helpOf = (name: string) => METRIC_HELP[name as MetricName] ?? name;

  for (const [name, series] of families(snapshot.counters)) {
    header(name, helpOf(series[0]?.name ?? name), "counter");
    for (const s of series) lines.push(`${name}${labels(s.dimensions)} ${number(s.value)}`);
  }
  for (const [name, series] of families(snapshot.durations)) {
    header(name, helpOf(series[0]?.name ?? name), "histogram");
    for (const s of series) {
      snapshot.bucketBounds.forEach((bound, i) => {
        const le = { ...s.dimensions, le: number(bound) };
        lines.push(`${name}_bucket${labels(le)} ${number(s.buckets[i] ?? 0)}`);
      });
      lines.push(`${name}_bucket${labels({ ...s.dimensions, le: "+Inf" })} ${number(s.count)}`);
      lines.push(`${name}_sum${labels(s.dimensions)} ${number(s.sum)}`);
      lines.push(`${name}_count${labels(s.dimensions)} ${number(s.count)}`);
    }
    header(`${name}_min`, `Least ${name}.`, "gauge");
    for (const s of series) lines.push(`${name}_min${labels(s.dimensions)} ${number(s.min)}`);
    header(`${name}_max`, `Greatest ${name}.`, "gauge");
    for (const s of series) lines.push(`${name}_max${labels(s.dimensions)} ${number(s.max)}`);
  }
  return lines.length > 0 ? `${lines.join("\n")}\n` : "";
}

/** A Hono handler answering the registry (the default one) as exposition text. */
export function metricsHandler(registry: MetricsRegistry = defaultRegistry): Handler {
  return (c) =>
    c.body(renderPrometheus(registry.snapshot()), 200, {
      "content-type": PROMETHEUS_CONTENT_TYPE,
    });
}

function labels(dimensions: Dimensions): string {
  const pairs = Object.entries(dimensions).map(
    ([name, value]) => `${labelName(name)}="${escapeLabelValue(value)}"`,
  );
  return pairs.length > 0 ? `{${pairs.join(",")}}` : "";
}

/** Metric names allow `[a-zA-Z_:][a-zA-Z0-9_:]*`; anything else becomes `_`. */
function metricName(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_:]/g, "_");
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

/** Label names allow `[a-zA-Z_][a-zA-Z0-9_]*`. */
function labelName(name: string): string {
  const safe = name.replace(/[^a-zA-Z0-9_]/g, "_");
  return /^[0-9]/.test(safe) ? `_${safe}` : safe;
}

const escapeLabelValue = (value: string) =>
  value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');

const escapeHelp = (help: string) => help.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");

function number(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Number.POSITIVE_INFINITY) return "+Inf";
  if (value === Number.NEGATIVE_INFINITY) return "-Inf";
  return String(value);
}
