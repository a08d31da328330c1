/**
 * Whether a tracer provider is registered: tracing.ts's SDK, or a test's. Without one the API's
 * spans are no-ops, yet making them per request (parsing the URL for attributes, reading
 * headers for a propagator that ignores them, entering contexts) was about a tenth of a
 * gateway request's CPU in the bench's paths section; the HTTP and RPC middleware skip that
 * work, and keep their durations, when this answers false. Asked per request, so a provider
 * registered later (as tests do) is seen at once.
 *
 * @example
 * if (!tracingRegistered()) return next();
 */
import { ProxyTracerProvider, trace } from "@opentelemetry/api";

// What the API's proxy delegates to while nothing is registered.
const NOTHING_REGISTERED = new ProxyTracerProvider().getDelegate();

export function tracingRegistered(): boolean {
  const provider = trace.getTracerProvider();
  return (
    !(provider instanceof ProxyTracerProvider) || provider.getDelegate() !== NOTHING_REGISTERED
  );
}
