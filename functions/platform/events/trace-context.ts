/**
 * W3C trace context across the bus: a change's events carry the `traceparent` of the span that
 * made them, and each consumed event is handled in a CONSUMER span whose parent is that
 * producer span, whatever transport carried it. Only `@opentelemetry/api` here; each runtime
 * registers the SDK and the W3C propagator once (without them these calls do nothing).
 *
 * @example
 * const traced = withTraceparent(events);                 // producer, inside the request's span
 * await inConsumerSpan(envelope, () => handle(envelope));  // consumer
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import type { Envelope } from "./envelope.js";

const tracer = trace.getTracer("slipway.events");

/** The events, each stamped with the active trace context unless it already carries one. */
export function withTraceparent(events: readonly Envelope[]): Envelope[] {
  const carrier: Record<string, string> = {};
  propagation.inject(context.active(), carrier);
  const traceparent = carrier.traceparent;
  if (!traceparent) return [...events];
  return events.map((event) => (event.traceparent ? event : { ...event, traceparent }));
}

/** Runs `handle` in a CONSUMER span that continues the trace the envelope carries. */
export function inConsumerSpan<T>(
  envelope: Envelope,
  consumer: string,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = envelope.traceparent
    ? propagation.extract(ROOT_CONTEXT, { traceparent: envelope.traceparent })
    : ROOT_CONTEXT;
  return tracer.startActiveSpan(
    `consume ${envelope.type}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.operation.type": "process",
        "messaging.message.id": envelope.id,
        "messaging.consumer.group.name": consumer,
        "cloudevents.event_type": envelope.type,
        "cloudevents.event_subject": envelope.subject,
      },
    },
    parent,
    async (span) => {
      try {
        return await handle();
      } catch (error) {
        span.recordException(error as Error);
        span.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
        throw error;
      } finally {
        span.end();
      }
    },
  );
}
