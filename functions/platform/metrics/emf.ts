/**
 * The Lambda metrics sink: CloudWatch Embedded Metric Format through Powertools `Metrics`, one
 * instance per function (namespace "slipway", a `service` dimension). Metrics are buffered for
 * the invocation and flushed once at its end (`withMetricsFlush`, which the Lambda wrappers
 * apply): a count is summed per name and dimensions; durations keep every value
 * (Milliseconds). EMF gives one set of dimension values per document, so each distinct set of
 * dimensions is its own document (Powertools' `singleMetric()` idea, buffered), and the
 * metrics without dimensions go in the function's own instance.
 *
 * @example
 * installLambdaMetrics({ service: "orders" });
 * export const handler = withMetricsFlush(async (event) => { ... });
 */
import { Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { createLogger } from "../logger.js";
import { type Dimensions, type MetricsSink, setMetricsSink } from "../metrics.js";
import { cleanDimensions } from "./registry.js";

const logger = createLogger("metrics");

export const METRICS_NAMESPACE = "slipway";

export interface EmfSinkOptions {
  /** The `service` dimension (defaults to Powertools' environment, then the function name). */
  service?: string;
  namespace?: string;
}

export interface EmfSink extends MetricsSink {
  /** The function's own Powertools instance (metrics without dimensions go there). */
  readonly powertools: Metrics;
  /** Publishes what this invocation recorded: one EMF document per dimension set. */
  flush(): void;
}

interface Pending {
  dimensions: Dimensions;
  counts: Map<string, number>;
  durations: Map<string, number[]>;
}

export function createEmfSink(options: EmfSinkOptions = {}): EmfSink {
  const namespace = options.namespace ?? METRICS_NAMESPACE;
  const service = options.service ?? defaultService();
  const powertools = new Metrics({ namespace, serviceName: service });
  let pending = new Map<string, Pending>();

  function groupOf(dimensions: Dimensions | undefined): Pending {
    const dims = cleanDimensions(dimensions);
    const key = JSON.stringify(dims);
    let group = pending.get(key);
    if (!group) {
      group = { dimensions: dims, counts: new Map(), durations: new Map() };
      pending.set(key, group);
    }
    return group;
  }

  return {
    powertools,
    count(name, dimensions, value = 1) {
      if (!Number.isFinite(value) || value < 0) return;
      const { counts } = groupOf(dimensions);
      counts.set(name, (counts.get(name) ?? 0) + value);
    },
    duration(name, milliseconds, dimensions) {
      if (!Number.isFinite(milliseconds)) return;
      const { durations } = groupOf(dimensions);
      durations.set(name, [...(durations.get(name) ?? []), milliseconds]);
    },
    flush() {
      const groups = [...pending.values()];
      pending = new Map();
      for (const group of groups) {
        const target =
          Object.keys(group.dimensions).length === 0
            ? powertools
            : // Like `powertools.singleMetric()`, but buffered: every metric of this set at once.
              new Metrics({ namespace, serviceName: service, defaultDimensions: group.dimensions });
        try {
          for (const [name, value] of group.counts) target.addMetric(name, MetricUnit.Count, value);
          for (const [name, values] of group.durations) {
            // Powertools keeps repeated values of a name as one array (CloudWatch sees each).
            for (const value of values) target.addMetric(name, MetricUnit.Milliseconds, value);
          }
          target.publishStoredMetrics();
        } catch (error) {
          // A bad name or dimension loses that document, never the invocation's answer.
          target.clearMetrics();
          logger.error("metrics not published", {
            error: error as Error,
            dimensions: group.dimensions,
          });
        }
      }
    },
  };
}

let installed: EmfSink | undefined;

/**
 * Makes the EMF sink where `metrics` records in this process (once: later calls answer the
 * same sink). The Lambda wrappers call it; an entry may call it first to name its service.
 */
export function installLambdaMetrics(options: EmfSinkOptions = {}): EmfSink {
  if (!installed) {
    installed = createEmfSink(options);
    setMetricsSink(installed);
  }
  return installed;
}

/**
 * Wraps a Lambda handler so each invocation's metrics are published when it ends; the wrapper
 * has the handler's own (possibly generic) signature.
 */
// biome-ignore lint/suspicious/noExplicitAny: any handler's parameters.
export function withMetricsFlush<Handler extends (...args: any[]) => Promise<unknown>>(
  handler: Handler,
  sink: Pick<EmfSink, "flush"> = installLambdaMetrics(),
): Handler {
  const flushing = async (...args: Parameters<Handler>) => {
    try {
      return await handler(...args);
    } finally {
      sink.flush();
    }
  };
  return flushing as Handler;
}

function defaultService(): string {
  return process.env.POWERTOOLS_SERVICE_NAME || process.env.AWS_LAMBDA_FUNCTION_NAME || "slipway";
}
