/**
 * The OpenTelemetry SDK, wired once per process by each run mode; code elsewhere uses only
 * `@opentelemetry/api` (`trace.getTracer("slipway.<service or area>")`). It registers a tracer
 * provider with a batch processor, the AsyncLocalStorage context manager and the W3C trace
 * context (and baggage) propagator. Where spans go:
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
 * const tracing = startTracing({ service: "slipway", dataDir: ".data" }); // npm start
 * startTracing({ service: SERVICE_NAME });                               // a Lambda entry
 * await tracing.shutdown();                                              // flushes
 */
import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import {
  CompositePropagator,
  type ExportResult,
  W3CBaggagePropagator,
  W3CTraceContextPropagator,
} from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import {
  detectResources,
  envDetector,
  type Resource,
  resourceFromAttributes,
} from "@opentelemetry/resources";
import {
  BasicTracerProvider,
  BatchSpanProcessor,
  type BufferConfig,
  type ReadableSpan,
  type SpanExporter,
} from "@opentelemetry/sdk-trace-base";
import { ConfigError } from "../config.js";
import { ServiceAttribution, serviceOf } from "./span-service.js";
import { JsonLinesSpanExporter } from "./trace-files.js";

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

// The file exporter is local and cheap: small batches often, so `npm run trace` sees a
// request a moment after it, and a queue deep enough for a benchmark's burst.
const FILE_BATCHING: BufferConfig = {
  scheduledDelayMillis: 200,
  maxExportBatchSize: 1024,
  maxQueueSize: 16_384,
};

let started: Tracing | undefined;

/** Exports the spans ended so far, if tracing was started; for the end of a Lambda invocation. */
export async function flushTracing(): Promise<void> {
  await started?.flush();
}

/** Registers the SDK for this process (once; later calls get the first one's result). */
export function startTracing(options: TracingOptions): Tracing {
  started ??= register(options);
  return started;
}

function register({ service, dataDir }: TracingOptions): Tracing {
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

  const resource = processResource(service, env);
  const attribute = (span: ReadableSpan) => serviceOf(span, service);
  const [exporter, destination, batching]: [SpanExporter, string, BufferConfig] =
    endpoint !== undefined
      ? [
          new PerServiceResource(new OTLPTraceExporter(), resource, service, attribute),
          `OTLP/HTTP ${endpoint}`,
          {},
        ]
      : [
          new JsonLinesSpanExporter(tracesDir(dataDir as string), attribute),
          tracesDir(dataDir as string),
          FILE_BATCHING,
        ];
  const provider = new BasicTracerProvider({
    resource,
    spanProcessors: [new ServiceAttribution(), new BatchSpanProcessor(exporter, batching)],
  });
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new CompositePropagator({
      propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()],
    }),
  );
  trace.setGlobalTracerProvider(provider);

  let stopped: Promise<void> | undefined;
  return {
    exporter: endpoint !== undefined ? "otlp" : "file",
    destination,
    flush: () => provider.forceFlush(),
    shutdown: () => {
      stopped ??= provider.shutdown();
      return stopped;
    },
  };
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

function processResource(service: string, env: NodeJS.ProcessEnv): Resource {
  const lambda = env.AWS_LAMBDA_FUNCTION_NAME;
  return resourceFromAttributes({
    "service.name": service,
    "service.namespace": "slipway",
    "service.instance.id": randomUUID(),
    "process.pid": process.pid,
    "process.runtime.name": "nodejs",
    "process.runtime.version": process.versions.node,
    ...(lambda ? { "cloud.provider": "aws", "faas.name": lambda } : {}),
    ...(env.AWS_REGION ? { "cloud.region": env.AWS_REGION } : {}),
    // OTEL_RESOURCE_ATTRIBUTES and OTEL_SERVICE_NAME win over the above.
  }).merge(detectResources({ detectors: [envDetector] }));
}

/**
 * Hands each span to `inner` under its own service's resource (the process's resource with
 * that `service.name`), so one process serving five services reports five.
 */
class PerServiceResource implements SpanExporter {
  private readonly resources = new Map<string, Resource>();

  constructor(
    private readonly inner: SpanExporter,
    private readonly base: Resource,
    private readonly processService: string,
    private readonly serviceOf: (span: ReadableSpan) => string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    this.inner.export(
      spans.map((span) => {
        const service = this.serviceOf(span);
        if (service === this.processService) return span;
        // The span itself stays as it is; a view of it answers with another resource.
        return Object.create(span, {
          resource: { value: this.resourceOf(service) },
        }) as ReadableSpan;
      }),
      done,
    );
  }

  forceFlush(): Promise<void> {
    return this.inner.forceFlush?.() ?? Promise.resolve();
  }

  shutdown(): Promise<void> {
    return this.inner.shutdown();
  }

  private resourceOf(service: string): Resource {
    let resource = this.resources.get(service);
    if (resource === undefined) {
      resource = this.base.merge(resourceFromAttributes({ "service.name": service }));
      this.resources.set(service, resource);
    }
    return resource;
  }
}
