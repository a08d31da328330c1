/**
 * For tests that look at spans: a tracer provider exporting to memory, registered globally with
 * the AsyncLocalStorage context manager and the W3C propagator (as startTracing does) for the
 * test file, and taken down after it.
 *
 * @example
 * const exporter = useInMemoryTracing();          // emptied before each test
 * const spans = exporter.getFinishedSpans();
 */
import { context, propagation, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from "@opentelemetry/sdk-trace-base";
import { afterAll, beforeAll, beforeEach } from "vitest";

export function useInMemoryTracing({ resetBeforeEach = true } = {}): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(exporter)],
  });
  beforeAll(() => {
    trace.setGlobalTracerProvider(provider);
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  });
  afterAll(async () => {
    await provider.shutdown();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  if (resetBeforeEach) beforeEach(() => exporter.reset());
  return exporter;
}
