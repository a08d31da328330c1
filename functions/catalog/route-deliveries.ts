// The catalog's queue feeds two consumers, each with its own inbox name: the product listing
// (the catalog's own product events) and the stock reservations (the orders' saga events).
// This hands each delivery to the one that handles its event type.

import type { DeliveryHandler } from "../platform/bus/port.js";
import { PoisonMessage } from "../platform/bus/port.js";
import { parseEnvelope } from "../platform/events/envelope.js";
import type { Logger } from "../platform/logger.js";

export interface Route {
  /** The event types (protobuf type names) this consumer handles. */
  types: readonly string[];
  consumer: DeliveryHandler;
}

export function routeDeliveries(routes: readonly Route[], logger: Logger): DeliveryHandler {
  const byType = new Map<string, DeliveryHandler>();
  for (const { types, consumer } of routes) {
    for (const type of types) {
      if (byType.has(type)) throw new Error(`two consumers handle ${type}`);
      byType.set(type, consumer);
    }
  }
  return async (delivery) => {
    const parsed = parseEnvelope(delivery.body);
    if (!parsed.ok) throw new PoisonMessage(parsed.reason);
    const consumer = byType.get(parsed.envelope.type);
    if (!consumer) {
      // Subscribed by the topology but handled by no one (yet): nothing to retry.
      logger.warn("no consumer for event type", {
        type: parsed.envelope.type,
        eventId: parsed.envelope.id,
      });
      return;
    }
    await consumer(delivery);
  };
}
