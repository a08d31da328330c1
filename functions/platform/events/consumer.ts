/**
 * Turns event handlers into a bus `DeliveryHandler`: parses the envelope (a body that is not
 * one is poison and goes to the DLQ with the reason), decodes the payload, and runs the
 * handler in one transaction with the inbox record, so a duplicate is skipped. A handler that
 * reacts with events of its own `publish`es them: they join the same transaction through the
 * outbox (so an event is applied, and answered, exactly once) and are dispatched after commit.
 * Each event is handled in a CONSUMER span named after the consumer and the event
 * (`order-saga PaymentAuthorized`), a child of the span that produced it, and counted in
 * `events_consumed_total` by outcome (ok, duplicate, error).
 *
 * @example
 * const handle = createEventConsumer({
 *   name: "product-listing", db, inbox, logger,
 *   handlers: [
 *     on(ProductCreatedSchema, async (event, { tx }) => { await tx.insert(listings).values(...); }),
 *   ],
 * });
 * await subscriber.start("catalog", handle);
 */
import type { DescMessage, MessageShape } from "@bufbuild/protobuf";
import { trace } from "@opentelemetry/api";
import { sql } from "drizzle-orm";
import type { Delivery, DeliveryHandler } from "../bus/port.js";
import { PoisonMessage } from "../bus/port.js";
import type { Database } from "../db/database.js";
import type { Logger } from "../logger.js";
import { withLogContext } from "../logging/log-context.js";
import { metrics } from "../metrics.js";
import { DISPATCH_WAIT_MS, waitAtMost } from "./changes.js";
import { decodeEvent, type Envelope, parseEnvelope } from "./envelope.js";
import type { InboxTable } from "./inbox.js";
import { type OutboxTable, recordEvents } from "./outbox.js";
import type { OutboxDispatcher } from "./outbox-dispatcher.js";
import { inConsumerSpan, inOutboxWriteSpan } from "./trace-context.js";

export interface EventContext<TSchema extends Record<string, unknown>> {
  tx: Database<TSchema>;
  envelope: Envelope;
  /** Records events in this transaction's outbox; they are dispatched once it commits. */
  publish(...events: Envelope[]): Promise<void>;
}

export interface EventHandler<TSchema extends Record<string, unknown>> {
  type: string;
  handle(envelope: Envelope, context: EventContext<TSchema>): Promise<void>;
}

/** A handler for one event type, given the decoded message. */
export function on<Desc extends DescMessage, TSchema extends Record<string, unknown>>(
  schema: Desc,
  handle: (event: MessageShape<Desc>, context: EventContext<TSchema>) => Promise<void>,
): EventHandler<TSchema> {
  return {
    type: schema.typeName,
    async handle(envelope, context) {
      let event: MessageShape<Desc>;
      try {
        event = decodeEvent(envelope, schema);
      } catch (error) {
        throw new PoisonMessage(`payload is not a ${schema.typeName}: ${(error as Error).message}`);
      }
      await handle(event, context);
    },
  };
}

export interface EventConsumerOptions<TSchema extends Record<string, unknown>> {
  /** Names this consumer in the inbox; keep it stable. */
  name: string;
  db: Database<TSchema>;
  inbox: InboxTable;
  handlers: readonly EventHandler<TSchema>[];
  logger: Logger;
  /** Where handlers' own events go; required when a handler publishes. */
  outbox?: { table: OutboxTable; dispatcher: OutboxDispatcher };
}

export function createEventConsumer<TSchema extends Record<string, unknown>>(
  options: EventConsumerOptions<TSchema>,
): DeliveryHandler {
  const { db, inbox, logger } = options;
  const byType = new Map(options.handlers.map((handler) => [handler.type, handler]));
  const consumer = options.name;
  return async (delivery: Delivery) => {
    if (delivery.receiveCount > 1) metrics.count("events_retried_total", { consumer });
    const parsed = parseEnvelope(delivery.body);
    if (!parsed.ok) {
      metrics.count("events_consumed_total", { consumer, outcome: "error" });
      throw new PoisonMessage(parsed.reason);
    }
    const { envelope } = parsed;
    // Every line logged while handling it names the message, whatever the handler logs.
    const fields = {
      messageId: envelope.id,
      eventType: envelope.type,
      subject: envelope.subject,
      consumer,
    };
    return withLogContext(fields, () => consume(envelope));
  };

  async function consume(envelope: Envelope): Promise<void> {
    const handler = byType.get(envelope.type);
    if (!handler) {
      // Subscribed by the topology but not handled here (yet): nothing to do, nothing to retry.
      logger.warn("no handler for event type", {
        consumer: options.name,
        type: envelope.type,
        eventId: envelope.id,
      });
      return;
    }
    let outcome: "ok" | "duplicate" | "error" = "error";
    try {
      outcome = await inConsumerSpan(envelope, consumer, async () => {
        const applied = await applyOnce(envelope, handler);
        logger.debug("event handled", { outcome: applied });
        return applied;
      });
    } finally {
      metrics.count("events_consumed_total", { consumer, outcome });
    }
  }

  async function applyOnce(
    envelope: Envelope,
    handler: EventHandler<TSchema>,
  ): Promise<"ok" | "duplicate"> {
    const published: string[] = [];
    const applied = await db.transaction(async (tx) => {
      const first = await tx
        .insert(inbox)
        .values({ eventId: envelope.id, consumer: options.name })
        .onConflictDoNothing()
        .returning({ eventId: inbox.eventId });
      if (first.length === 0) {
        logger.debug("duplicate event skipped", { consumer: options.name, eventId: envelope.id });
        trace.getActiveSpan()?.setAttribute("slipway.duplicate", true);
        return false;
      }
      const publish = async (...made: Envelope[]) => {
        if (!options.outbox)
          throw new Error(`consumer ${options.name} has no outbox to publish to`);
        // Inside the consumer span: the reaction continues the trace of what it reacts to.
        const { table } = options.outbox;
        const events = await inOutboxWriteSpan(made, (stamped) =>
          recordEvents(tx as unknown as Database<Record<string, unknown>>, table, stamped),
        );
        published.push(...events.map((event) => event.id));
      };
      await handler.handle(envelope, { tx: tx as unknown as Database<TSchema>, envelope, publish });
      return true;
    });
    // After commit, and bounded, like a change: the sweeper retries whatever this does not finish.
    if (published.length > 0 && options.outbox) {
      await waitAtMost(options.outbox.dispatcher.dispatch(published), DISPATCH_WAIT_MS);
    }
    return applied ? "ok" : "duplicate";
  }
}

/** Deletes inbox records older than the retention period; returns how many. */
export async function pruneInbox(
  db: Database<Record<string, unknown>>,
  inbox: InboxTable,
  retentionMs = 14 * 24 * 3600_000,
): Promise<number> {
  const deleted = await db
    .delete(inbox)
    .where(sql`${inbox.handledAt} < now() - make_interval(secs => ${retentionMs / 1000})`)
    .returning({ eventId: inbox.eventId });
  return deleted.length;
}
