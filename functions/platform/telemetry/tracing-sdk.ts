/**
 * The OpenTelemetry SDK as tracing.ts registers it when spans go somewhere: a tracer provider
 * with a batch processor, the AsyncLocalStorage context manager and the W3C trace context (and
 * baggage) propagator. Loaded only then, so a function that exports no spans never loads it
 * (about a tenth of a bundle).
 *
 * @example
 * const tracing = registerTracingSdk({ service: "orders", endpoint: "http://collector:4318/v1/traces" });
 */
import { randomUUID } from "node:crypto";
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
import { ServiceAttribution, serviceOf } from "./span-service.js";
import { JsonLinesSpanExporter } from "./trace-files.js";
import type { Tracing } from "./tracing.js";

export interface SdkOptions {
  service: string;
  /** OTLP/HTTP traces URL; without it, spans go to JSON lines files in `traceDir`. */
  endpoint?: string | undefined;
  traceDir?: string | undefined;
}

// The file exporter is local and cheap: small batches often, so `npm run trace` sees a
// request a moment after it, and a queue deep enough for a benchmark's burst.
const FILE_BATCHING: BufferConfig = {
  scheduledDelayMillis: 200,
  maxExportBatchSize: 1024,
  maxQueueSize: 16_384,
};

export function registerTracingSdk({ service, endpoint, traceDir }: SdkOptions): Tracing {
  // The OTLP exporter reads process.env itself; so does everything here, to agree with it.
  const env = process.env;
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
          new JsonLinesSpanExporter(traceDir as string, attribute),
          traceDir as string,
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
