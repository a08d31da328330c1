/**
 * W3C trace context across the bus: a change's events carry the `traceparent` of the
 * "outbox write" span that recorded them (a child of the span that made the change), every
 * transport carries it beside the body too (AMQP header, SQS message attribute, the embedded
 * bus's row), and each consumed event is handled in a CONSUMER span whose parent is that
 * producer span, whatever transport carried it. Spans over several messages (a dispatched
 * batch, a received batch) only link to the messages' contexts. Only `@opentelemetry/api`
 * here; each runtime registers the SDK and the W3C propagator once (without them these calls
 * do nothing).
 *
 * @example
 * const events = await inOutboxWriteSpan(made, (events) => recordEvents(tx, outbox, events));
 * await inDispatchSpan(events, () => publisher.publish(events));        // after commit
 * await inBatchSpan("receive orders", attributes, traceparents, () => handleAll());
 * await inConsumerSpan(envelope, "order-saga", () => handle(envelope)); // `order-saga PaymentAuthorized`
 */
import {
  type Attributes,
  context,
  type Link,
  propagation,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from "@opentelemetry/api";
import { withoutQueryParameters } from "../db/errors.js";
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

/** `slipway.orders.v1.PaymentAuthorized` → `PaymentAuthorized`. */
export const shortTypeName = (type: string) => type.slice(type.lastIndexOf(".") + 1);

/**
 * Runs `record` (the outbox insert, inside the change's transaction) in an "outbox write"
 * PRODUCER span, with the events stamped with that span's context: what consumes them becomes
 * its child. Answers the stamped events.
 */
export async function inOutboxWriteSpan(
  made: readonly Envelope[],
  record: (events: Envelope[]) => Promise<void>,
): Promise<Envelope[]> {
  if (made.length === 0) {
    await record([]);
    return [];
  }
  return tracer.startActiveSpan(
    "outbox write",
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.operation.type": "create",
        "messaging.batch.message_count": made.length,
        "slipway.event_types": distinct(made.map((event) => event.type)),
      },
    },
    async (span) => {
      const events = withTraceparent(made);
      await failOn(span, () => record(events));
      return events;
    },
  );
}

/**
 * Runs `publish` (one batch from the outbox to the bus) in an "outbox dispatch" PRODUCER span,
 * a child of the active context (the change's request, or none for the sweeper) linked to
 * every event's producing context.
 */
export function inDispatchSpan<T>(
  events: readonly Envelope[],
  publish: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    "outbox dispatch",
    {
      kind: SpanKind.PRODUCER,
      attributes: {
        "messaging.operation.type": "send",
        "messaging.operation.name": "publish",
        "messaging.batch.message_count": events.length,
        "slipway.event_types": distinct(events.map((event) => event.type)),
      },
      links: linksTo(events.map((event) => event.traceparent)),
    },
    (span) => failOn(span, publish),
  );
}

/**
 * Runs the handling of a received batch in a CONSUMER span that only links to the messages'
 * contexts (each message's own span continues its producer's trace, not this one). Its parent
 * is the active context: none in a poller, the invocation's where a runtime makes one.
 */
export function inBatchSpan<T>(
  name: string,
  attributes: Attributes,
  traceparents: readonly (string | undefined)[],
  handle: () => Promise<T>,
): Promise<T> {
  return tracer.startActiveSpan(
    name,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.operation.type": "receive",
        "messaging.batch.message_count": traceparents.length,
        ...attributes,
      },
      links: linksTo(traceparents),
    },
    (span) => failOn(span, handle),
  );
}

/** Runs `handle` in a CONSUMER span that continues the trace the envelope carries. */
export function inConsumerSpan<T>(
  envelope: Envelope,
  consumer: string,
  handle: () => Promise<T>,
): Promise<T> {
  const parent = envelope.traceparent ? contextOf(envelope.traceparent) : ROOT_CONTEXT;
  return tracer.startActiveSpan(
    // Says which handler ran: `order-saga PaymentAuthorized`.
    `${consumer} ${shortTypeName(envelope.type)}`,
    {
      kind: SpanKind.CONSUMER,
      attributes: {
        "messaging.operation.type": "process",
        "messaging.message.id": envelope.id,
        "messaging.consumer.group.name": consumer,
        "cloudevents.event_id": envelope.id,
        "cloudevents.event_type": envelope.type,
        "cloudevents.event_source": envelope.source,
        "cloudevents.event_subject": envelope.subject,
      },
    },
    parent,
    (span) => failOn(span, handle),
  );
}

function contextOf(traceparent: string) {
  return propagation.extract(ROOT_CONTEXT, { traceparent });
}

/** Links to each distinct valid context among `traceparents`. */
function linksTo(traceparents: readonly (string | undefined)[]): Link[] {
  const links: Link[] = [];
  for (const traceparent of new Set(traceparents)) {
    if (!traceparent) continue;
    const linked = trace.getSpanContext(contextOf(traceparent));
    if (linked && trace.isSpanContextValid(linked)) links.push({ context: linked });
  }
  return links;
}

const distinct = (values: readonly string[]) => [...new Set(values)];

async function failOn<T>(span: Span, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    // As logged: a failed query's parameters stay out.
    const safe = withoutQueryParameters(error) as Error;
    span.recordException(safe);
    span.setStatus({ code: SpanStatusCode.ERROR, message: safe.message });
    throw error;
  } finally {
    span.end();
  }
}
