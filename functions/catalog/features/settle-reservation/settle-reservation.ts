// The order's outcome settles its reservation (docs/order-saga.md): confirmed → committed,
// rejected or cancelled → released, cancelled after confirmation → returned. Each happens once,
// and the same final state is reached whatever order the events arrive in.
import { eq, sql } from "drizzle-orm";
import { ReleaseReason } from "../../../gen/catalog/v1/events_pb.js";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderRejectedSchema,
} from "../../../gen/orders/v1/events_pb.js";
import { type Order, OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { type EventContext, type EventHandler, on } from "../../../platform/events/consumer.js";
import type { Logger } from "../../../platform/logger.js";
import {
  type ReservationStatus,
  reservations,
  type ReleaseReason as StoredReleaseReason,
  type schema,
} from "../../db/schema.js";
import { reservationCommitted, reservationReleased, stockReturned } from "../../events.js";
import {
  lockReservation,
  lockStock,
  moveStock,
  orderOf,
  putBack,
  recordUnits,
  reservedUnits,
  takeStock,
  unitsOf,
} from "../../reservation.js";

type Context = EventContext<typeof schema>;

const setStatus = (
  { tx }: Context,
  orderId: string,
  status: ReservationStatus,
  releaseReason?: StoredReleaseReason,
) =>
  tx
    .update(reservations)
    .set({ status, updatedAt: sql`now()`, ...(releaseReason ? { releaseReason } : {}) })
    .where(eq(reservations.orderId, orderId));

export function settleReservationHandlers({
  logger,
}: {
  logger: Logger;
}): EventHandler<typeof schema>[] {
  async function commit(order: Order, context: Context): Promise<void> {
    const row = await lockReservation(context.tx, order.id);
    if (row?.status === "reserved") {
      await setStatus(context, order.id, "committed");
      await context.publish(reservationCommitted(order.id));
      return;
    }
    if (row?.status === "released" && row.releaseReason === "expired") {
      // Rare: the confirmation took longer than the grace. Sell the units if they are still
      // there; if not, the order is confirmed without them and someone has to know.
      const units = await reservedUnits(context.tx, [order.id]);
      const outcome = await takeStock(context.tx, units, `order ${order.id} confirmed late`);
      if (!outcome.taken) {
        logger.error("order confirmed after its reservation expired, and the stock is gone", {
          orderId: order.id,
          shortLines: outcome.short,
        });
        return;
      }
      await setStatus(context, order.id, "committed");
      await context.publish(reservationCommitted(order.id), ...outcome.events);
      return;
    }
    // Repeated, or after the order's cancellation (returned): nothing to do.
    logger.info("order confirmation changes no reservation", {
      orderId: order.id,
      status: row?.status ?? "none",
    });
  }

  async function release(order: Order, reason: ReleaseReason, context: Context): Promise<void> {
    const rejected = reason === ReleaseReason.ORDER_REJECTED;
    const releaseReason = rejected ? "order_rejected" : "order_cancelled";
    // No reservation yet: the outcome overtook the placement. This tombstone makes the late
    // OrderPlaced reserve nothing.
    const [tombstone] = await context.tx
      .insert(reservations)
      .values({ orderId: order.id, status: "released", releaseReason })
      .onConflictDoNothing()
      .returning();
    if (tombstone) return;
    const row = await lockReservation(context.tx, order.id);
    if (row?.status !== "reserved") return;
    const units = await reservedUnits(context.tx, [order.id]);
    const events = await putBack(
      context.tx,
      units,
      `order ${order.id} ${rejected ? "rejected" : "cancelled"}`,
    );
    await setStatus(context, order.id, "released", releaseReason);
    await context.publish(reservationReleased(order.id, reason), ...events);
  }

  async function giveBack(order: Order, context: Context): Promise<void> {
    const reason = `order ${order.id} cancelled after confirmation`;
    const row = await lockReservation(context.tx, order.id);
    if (!row) {
      // A confirmed order always had a reservation, so it was pruned (settled rows are kept
      // 14 days; an order can be cancelled later). The order's lines are what it held.
      const ordered = unitsOf(order);
      const stock = await lockStock(context.tx, ordered.keys());
      const units = new Map([...ordered].filter(([id]) => stock.has(id)));
      await context.tx.insert(reservations).values({ orderId: order.id, status: "returned" });
      await recordUnits(context.tx, order.id, units);
      const events = await moveStock(context.tx, units, reason);
      await context.publish(stockReturned(order.id), ...events);
      return;
    }
    if (row.status === "committed" || row.status === "reserved") {
      // `reserved`: the confirmation has not arrived yet; once this is returned it does nothing.
      const units = await reservedUnits(context.tx, [order.id]);
      const events = await putBack(context.tx, units, reason);
      await setStatus(context, order.id, "returned");
      await context.publish(stockReturned(order.id), ...events);
      return;
    }
    if (row.status === "released" && row.releaseReason === "expired") {
      // Released by expiry and not taken again (the confirmation came too late, or has not
      // come yet): the units are back already, and orders waits to hear it.
      await setStatus(context, order.id, "returned");
      await context.publish(stockReturned(order.id));
      return;
    }
    logger.info("order cancellation after confirmation changes no reservation", {
      orderId: order.id,
      status: row.status,
    });
  }

  return [
    on(OrderConfirmedSchema, (event, context) => commit(orderOf(event.order), context)),
    on(OrderRejectedSchema, (event, context) =>
      release(orderOf(event.order), ReleaseReason.ORDER_REJECTED, context),
    ),
    on(OrderCancelledSchema, (event, context) => {
      const order = orderOf(event.order);
      if (order.status === OrderStatus.CANCELLED) {
        return release(order, ReleaseReason.ORDER_CANCELLED, context);
      }
      if (order.status === OrderStatus.REFUND_PENDING) return giveBack(order, context);
      throw new PoisonMessage(`OrderCancelled with order status ${OrderStatus[order.status]}`);
    }),
  ];
}
