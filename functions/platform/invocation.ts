/**
 * What every Lambda invocation does when it ends, whatever its trigger: publish its metrics
 * (CloudWatch EMF) and flush its spans, because Lambda may freeze the process as soon as the
 * handler returns and anything still queued would go out late or never.
 *
 * @example
 * export const handler = flushedAfterEachInvocation(async (event) => { ... });
 */
import { withMetricsFlush } from "./metrics/emf.js";
import { flushTracing } from "./telemetry/tracing.js";

// biome-ignore lint/suspicious/noExplicitAny: any handler, whatever its event and result.
export function flushedAfterEachInvocation<Handler extends (...args: any[]) => Promise<unknown>>(
  handler: Handler,
): Handler {
  const withMetrics = withMetricsFlush(handler);
  const flushing = async (...args: Parameters<Handler>) => {
    try {
      return await withMetrics(...args);
    } finally {
      await flushTracing();
    }
  };
  return flushing as Handler;
}
