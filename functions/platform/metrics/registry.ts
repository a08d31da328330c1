/**
 * The in-process metrics sink: counters per name and dimensions, and durations as count, sum,
 * min, max and fixed histogram buckets (so the numbers of many processes or scrapes add up,
 * which quantiles would not). Importing this module makes `defaultRegistry` where `metrics`
 * records until a run mode installs another sink; `renderPrometheus` (exposition.ts) shows it.
 *
 * @example
 * import { defaultRegistry } from "./metrics/registry.js";
 * metrics.count("orders_placed_total");
 * defaultRegistry.snapshot().counters; // [{ name: "orders_placed_total", dimensions: {}, value: 1 }]
 */
import { type Dimensions, type MetricsSink, registerDefaultSink } from "../metrics.js";

/** Upper bounds (inclusive, milliseconds) of the duration buckets; `+Inf` is implied. */
export const DURATION_BUCKETS_MS: readonly number[] = [
  5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
];

export interface CounterSeries {
  name: string;
  dimensions: Dimensions;
  value: number;
}

export interface DurationSeries {
  name: string;
  dimensions: Dimensions;
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Cumulative counts per bound of `DURATION_BUCKETS_MS`, then `+Inf` (= count). */
  buckets: number[];
}

export interface MetricsSnapshot {
  /** The bounds of every duration's buckets (before the implied `+Inf`). */
  bucketBounds: readonly number[];
  /** Sorted by name, then dimensions. */
  counters: CounterSeries[];
  durations: DurationSeries[];
}

export interface MetricsRegistry extends MetricsSink {
  snapshot(): MetricsSnapshot;
  /** Forgets every series (tests). */
  reset(): void;
}

export function createMetricsRegistry(
  buckets: readonly number[] = DURATION_BUCKETS_MS,
): MetricsRegistry {
  const counters = new Map<string, CounterSeries>();
  const durations = new Map<string, DurationSeries>();

  return {
    count(name, dimensions, value = 1) {
      // A counter only goes up (a Prometheus counter that drops reads as a restart).
      if (!Number.isFinite(value) || value < 0) return;
      const dims = cleanDimensions(dimensions);
      const key = seriesKey(name, dims);
      const series = counters.get(key);
      if (series) series.value += value;
      else counters.set(key, { name, dimensions: dims, value });
    },
    duration(name, milliseconds, dimensions) {
      if (!Number.isFinite(milliseconds)) return;
      const dims = cleanDimensions(dimensions);
      const key = seriesKey(name, dims);
      let series = durations.get(key);
      if (!series) {
        series = {
          name,
          dimensions: dims,
          count: 0,
          sum: 0,
          min: milliseconds,
          max: milliseconds,
          buckets: new Array<number>(buckets.length + 1).fill(0),
        };
        durations.set(key, series);
      }
      series.count += 1;
      series.sum += milliseconds;
      series.min = Math.min(series.min, milliseconds);
      series.max = Math.max(series.max, milliseconds);
      // Cumulative, as Prometheus histograms are: every bucket at or above the value.
      for (let i = 0; i < buckets.length; i++) {
        if (milliseconds <= (buckets[i] as number))
          series.buckets[i] = (series.buckets[i] ?? 0) + 1;
      }
      series.buckets[buckets.length] = series.count;
    },
    snapshot() {
      const byKey = <T>(map: Map<string, T>) =>
        [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, s]) => s);
      return {
        bucketBounds: buckets,
        counters: byKey(counters).map((s) => ({ ...s })),
        durations: byKey(durations).map((s) => ({ ...s, buckets: [...s.buckets] })),
      };
    },
    reset() {
      counters.clear();
      durations.clear();
    },
  };
}

/** Where `metrics` records in-process (and what `GET /metrics` shows). */
export const defaultRegistry: MetricsRegistry = createMetricsRegistry();
registerDefaultSink(defaultRegistry);

/**
 * Dimensions sorted by name, without empty values: an empty label is the same as none in
 * Prometheus, and CloudWatch refuses it, so both sinks drop it alike.
 */
export function cleanDimensions(dimensions: Dimensions | undefined): Dimensions {
  if (!dimensions) return {};
  const clean: Record<string, string> = {};
  for (const name of Object.keys(dimensions).sort()) {
    const value = dimensions[name];
    if (value !== undefined && value !== "") clean[name] = value;
  }
  return clean;
}

/** A name and its (clean, sorted) dimensions as one key; NUL cannot occur in either. */
function seriesKey(name: string, dimensions: Dimensions): string {
  // Once per recorded value: a loop, not arrays joined, as it runs on every request.
  let key = name;
  for (const dimension in dimensions) key += `\u0000${dimension}\u0000${dimensions[dimension]}`;
  return key;
}
