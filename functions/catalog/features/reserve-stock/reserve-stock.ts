// OrderPlaced: reserve every line of the order at once, or nothing (docs/order-saga.md).
import { eq, sql } from "drizzle-orm";
import { OrderPlacedSchema } from "../../../gen/orders/v1/events_pb.js";
import { type EventHandler, on } from "../../../platform/events/consumer.js";
import type { Logger } from "../../../platform/logger.js";
import { reservations, type schema } from "../../db/schema.js";
import { stockRejected, stockReserved } from "../../events.js";
import { orderOf, recordUnits, takeStock, unitsOf } from "../../reservation.js";

export interface ReserveStockOptions {
  /** How long the units are held for the order's outcome (RESERVATION_TTL_SECONDS). */
  ttlSeconds: number;
  logger: Logger;
}

export function reserveStockHandlers({
  ttlSeconds,
  logger,
}: ReserveStockOptions): EventHandler<typeof schema>[] {
  return [
    on(OrderPlacedSchema, async (event, { tx, publish }) => {
      const order = orderOf(event.order);
      const units = unitsOf(order);
      // The row is the claim. Another placement of this order (sent again under a new event
      // id, or racing this one) waits here until this commits and then finds it taken; so does
      // a placement that a tombstone of the order's outcome overtook.
      const [claimed] = await tx
        .insert(reservations)
        .values({
          orderId: order.id,
          status: "reserved",
          expiresAt: sql`now() + make_interval(secs => ${ttlSeconds})`,
        })
        .onConflictDoNothing()
        .returning();
      if (!claimed) {
        logger.debug("order already has a reservation", { orderId: order.id });
        return;
      }
      const outcome = await takeStock(tx, units, `reserved for order ${order.id}`);
      if (!outcome.taken) {
        await tx
          .update(reservations)
          .set({ status: "rejected", expiresAt: null, updatedAt: sql`now()` })
          .where(eq(reservations.orderId, order.id));
        await publish(stockRejected(order.id, outcome.short));
        return;
      }
      await recordUnits(tx, order.id, units);
      // The expiry is the database's clock, as the expiry job reads it.
      await publish(stockReserved(order.id, units, claimed.expiresAt as Date), ...outcome.events);
    }),
  ];
}
