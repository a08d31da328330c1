// The expiry job: a reservation whose order got no outcome in time gives its units back
// (docs/order-saga.md). Run it every few seconds on any number of instances: each batch takes
// the rows it releases `FOR UPDATE SKIP LOCKED`, so two runs never release the same one.
import { and, asc, eq, inArray, lt, sql } from "drizzle-orm";
import { ReleaseReason } from "../../../gen/catalog/v1/events_pb.js";
import { reservations } from "../../db/schema.js";
import { reservationReleased } from "../../events.js";
import type { CatalogChange } from "../../product.js";
import { putBack, reservedUnits } from "../../reservation.js";

export interface ExpireReservationsOptions {
  /** How long past its expiry a reservation is kept (RESERVATION_GRACE_SECONDS). */
  graceSeconds: number;
  /** Reservations released per transaction. */
  batchSize?: number;
}

/** Releases every reservation past its expiry and grace; answers how many. */
export function expireReservations(
  change: CatalogChange,
  { graceSeconds, batchSize = 100 }: ExpireReservationsOptions,
): () => Promise<number> {
  const releaseBatch = () =>
    change(async (tx) => {
      const due = await tx
        .select({ orderId: reservations.orderId })
        .from(reservations)
        .where(
          and(
            eq(reservations.status, "reserved"),
            lt(reservations.expiresAt, sql`now() - make_interval(secs => ${graceSeconds})`),
          ),
        )
        .orderBy(asc(reservations.expiresAt))
        .limit(batchSize)
        .for("update", { skipLocked: true });
      const orderIds = due.map((row) => row.orderId);
      if (orderIds.length === 0) return { result: 0, events: [] };
      // One stock change per product for the whole batch: the products are locked in id order
      // after the reservations, as every reservation handler does.
      const units = await reservedUnits(tx, orderIds);
      const adjusted = await putBack(tx, units, "reservations expired");
      await tx
        .update(reservations)
        .set({ status: "released", releaseReason: "expired", updatedAt: sql`now()` })
        .where(inArray(reservations.orderId, orderIds));
      const released = orderIds.map((id) => reservationReleased(id, ReleaseReason.EXPIRED));
      return { result: orderIds.length, events: [...released, ...adjusted] };
    });

  return async () => {
    let total = 0;
    for (let released = await releaseBatch(); released > 0; released = await releaseBatch()) {
      total += released;
      if (released < batchSize) break;
    }
    return total;
  };
}
