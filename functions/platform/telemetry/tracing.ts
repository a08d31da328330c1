/**
 * The OpenTelemetry SDK, wired once per process by each run mode; code elsewhere uses only
 * `@opentelemetry/api` (`trace.getTracer("slipway.<service or area>")`). It registers a tracer
 * provider with a batch processor, the AsyncLocalStorage context manager and the W3C trace
 * context (and baggage) propagator (tracing-sdk.ts, loaded only when spans go somewhere).
 * Where spans go:
 *
 * - `TRACES=off` (or `OTEL_SDK_DISABLED=true`): nowhere; the SDK is not even registered, so the
 *   API stays a no-op (the baseline of the bench's overhead figure).
 * - `OTEL_EXPORTER_OTLP_ENDPOINT` (or `..._TRACES_ENDPOINT`) set: OTLP/HTTP there; the exporter
 *   reads the other standard `OTEL_EXPORTER_OTLP_*` variables itself (headers, timeout).
 * - else, given a `dataDir` (`npm start`): JSON lines in `<dataDir>/traces/<yyyy-mm-dd>.jsonl`,
 *   read with `npm run trace`;
 * - else (a Lambda function without OTLP): nowhere.
 *
 * Which service a span belongs to is span-service.ts's convention (its `slipway.service`
 * attribute: set by the instrumentation, else from a `slipway.<service>` tracer name, the entry
 * point it runs under (`asService`) or its parent; else `service` given here). OTLP gets each
 * span under that service's resource (`service.name`), so a backend shows `npm start`'s one
 * process as its five services; the files carry it as each line's `service`.
 *
 * On Lambda, spans leave in the background batch; those still queued when the environment is
 * frozen go with the next invocation's batch (or are lost if none comes), unless the handler
 * wrapper awaits `flushTracing()` before it returns.
 *
 * @example
 * const tracing = await startTracing({ service: "slipway", dataDir: ".data" }); // npm start
 * await startTracing({ service: SERVICE_NAME });                               // a Lambda entry
 * await tracing.shutdown();                                              // flushes
 */
import { join } from "node:path";
import { ConfigError } from "../config.js";

export interface TracingOptions {
  /** The process's service: `slipway` for `npm start`, the function's service on Lambda. */
  service: string;
  /** Where `npm start` keeps its data; traces go to `<dataDir>/traces` unless OTLP is set. */
  dataDir?: string;
}

export interface Tracing {
  exporter: "otlp" | "file" | "off";
  /** Where spans go, for a person: a URL, a directory or why they go nowhere. */
  destination: string;
  /** Exports what has ended so far. */
  flush(): Promise<void>;
  /** Flushes and stops exporting; later spans are dropped. */
  shutdown(): Promise<void>;
}

/** The directory `npm start` writes trace files to. */
export const tracesDir = (dataDir: string) => join(dataDir, "traces");

let started: Promise<Tracing> | undefined;

/** Exports the spans ended so far, if tracing was started; for the end of a Lambda invocation. */
export async function flushTracing(): Promise<void> {
  const tracing = await started?.catch(() => undefined);
  await tracing?.flush();
}

/**
 * Registers the SDK for this process (once; later calls get the first one's result). Await it
 * before anything that makes spans; it rejects with a ConfigError when TRACES is unusable.
 */
export function startTracing(options: TracingOptions): Promise<Tracing> {
  started ??= register(options);
  return started;
}

async function register({ service, dataDir }: TracingOptions): Promise<Tracing> {
  // The OTLP exporter reads process.env itself; so does everything here, to agree with it.
  const env = process.env;
  const traces = (env.TRACES ?? "").toLowerCase();
  if (!["", "on", "off"].includes(traces)) {
    throw new ConfigError([`TRACES: must be on or off, got "${env.TRACES}"`]);
  }
  if (traces === "off" || env.OTEL_SDK_DISABLED?.toLowerCase() === "true") {
    return off(traces === "off" ? "off (TRACES=off)" : "off (OTEL_SDK_DISABLED)");
  }
  const endpoint = otlpTracesUrl(env);
  if (endpoint === undefined && dataDir === undefined) {
    return off("off (no OTEL_EXPORTER_OTLP_ENDPOINT)");
  }

  const { registerTracingSdk } = await import("./tracing-sdk.js");
  return registerTracingSdk({
    service,
    endpoint,
    traceDir: dataDir === undefined ? undefined : tracesDir(dataDir),
  });
}

function off(destination: string): Tracing {
  return {
    exporter: "off",
    destination,
    flush: async () => {},
    shutdown: async () => {},
  };
}

/** The URL the OTLP exporter will post to, as it derives it from the standard variables. */
function otlpTracesUrl(env: NodeJS.ProcessEnv): string | undefined {
  const traces = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT?.trim();
  if (traces) return traces;
  const base = env.OTEL_EXPORTER_OTLP_ENDPOINT?.trim();
  if (!base) return undefined;
  return `${base.replace(/\/+$/, "")}/v1/traces`;
}
