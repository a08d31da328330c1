import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  ReleaseReason,
  ReservationCommittedSchema,
  ReservationReleasedSchema,
  StockAdjustedSchema,
  StockRejectedSchema,
  StockReservedSchema,
  StockReturnedSchema,
} from "../../../gen/catalog/v1/events_pb.js";
import { OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { products, reservations } from "../../db/schema.js";
import {
  anOrder,
  orderCancelled,
  orderConfirmed,
  orderPlaced,
  orderRejected,
  recorded,
  uniqueSku,
  useCatalog,
} from "../../testing.js";

describe.each(databaseKinds)("settling a reservation on %s", (kind) => {
  const catalog = useCatalog(kind);

  async function newProduct(initialStock: number): Promise<string> {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("SETTLE"),
      name: "Bowl",
      price: { amountMinor: 1200n, currency: "EUR" },
      initialStock,
    });
    return product?.id ?? "";
  }

  const stockOf = async (id: string) =>
    (await catalog.db.select().from(products).where(eq(products.id, id)))[0]?.stock;

  const reservationOf = async (orderId: string) =>
    (await catalog.db.select().from(reservations).where(eq(reservations.orderId, orderId)))[0];

  /** Every saga event the catalog recorded about the order, by type name. */
  async function eventsOf(orderId: string) {
    const counts = async (schema: Parameters<typeof recorded>[1]) =>
      (await recorded(catalog.db, schema, orderId)).length;
    return {
      reserved: await counts(StockReservedSchema),
      rejected: await counts(StockRejectedSchema),
      committed: await counts(ReservationCommittedSchema),
      released: await counts(ReservationReleasedSchema),
      returned: await counts(StockReturnedSchema),
    };
  }
  const none = { reserved: 0, rejected: 0, committed: 0, released: 0, returned: 0 };

  /** An order of two units, placed and reserved. */
  async function reservedOrder() {
    const id = await newProduct(5);
    const order = anOrder([[id, 2]]);
    await catalog.deliver(orderPlaced(order));
    expect(await stockOf(id)).toBe(3);
    return { id, order };
  }

  it("commits on the confirmation, once", async () => {
    const { id, order } = await reservedOrder();
    const confirmed = orderConfirmed(order);
    await catalog.deliver(confirmed);
    await catalog.deliver(confirmed);
    await catalog.deliver(orderConfirmed(order));

    expect(await reservationOf(order.id)).toMatchObject({ status: "committed" });
    expect(await stockOf(id)).toBe(3);
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, committed: 1 });
  });

  it.each([
    ["OrderRejected", orderRejected, ReleaseReason.ORDER_REJECTED],
    [
      "OrderCancelled (CANCELLED)",
      (order: Parameters<typeof orderRejected>[0]) => orderCancelled(order, OrderStatus.CANCELLED),
      ReleaseReason.ORDER_CANCELLED,
    ],
  ] as const)("releases on %s, once, units back", async (_name, outcome, reason) => {
    const { id, order } = await reservedOrder();
    const event = outcome(order);
    await catalog.deliver(event);
    await catalog.deliver(event);
    await catalog.deliver(outcome(order));
    // A confirmation cannot follow; if one did, a reservation released by the order is not
    // taken again.
    await catalog.deliver(orderConfirmed(order));

    expect(await stockOf(id)).toBe(5);
    expect(await reservationOf(order.id)).toMatchObject({ status: "released" });
    const released = await recorded(catalog.db, ReservationReleasedSchema, order.id);
    expect(released.map((event) => event.reason)).toEqual([reason]);
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, released: 1 });
    const adjusted = await recorded(catalog.db, StockAdjustedSchema, id);
    expect(adjusted.map((event) => [event.delta, event.stock, event.revision])).toEqual([
      [-2, 3, 2],
      [2, 5, 3],
    ]);
    expect(adjusted.at(-1)?.product).toMatchObject({ stock: 5, revision: 3 });
  });

  it.each([
    ["OrderRejected", orderRejected],
    [
      "OrderCancelled (CANCELLED)",
      (order: Parameters<typeof orderRejected>[0]) => orderCancelled(order, OrderStatus.CANCELLED),
    ],
  ] as const)(
    "leaves a tombstone when %s overtakes the placement: the late placement takes nothing",
    async (_name, outcome) => {
      const id = await newProduct(5);
      const order = anOrder([[id, 2]]);
      await catalog.deliver(outcome(order));
      expect(await reservationOf(order.id)).toMatchObject({ status: "released" });

      await catalog.deliver(orderPlaced(order));

      expect(await stockOf(id)).toBe(5);
      expect(await reservationOf(order.id)).toMatchObject({ status: "released" });
      expect(await eventsOf(order.id)).toEqual(none);
    },
  );

  it("returns the units of a confirmed order that is cancelled, once", async () => {
    const { id, order } = await reservedOrder();
    await catalog.deliver(orderConfirmed(order));
    const cancelled = orderCancelled(order, OrderStatus.REFUND_PENDING);
    await catalog.deliver(cancelled);
    await catalog.deliver(cancelled);
    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));

    expect(await stockOf(id)).toBe(5);
    expect(await reservationOf(order.id)).toMatchObject({ status: "returned" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, committed: 1, returned: 1 });
  });

  it("returns the units once when the cancellation overtakes the confirmation", async () => {
    const { id, order } = await reservedOrder();
    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));
    await catalog.deliver(orderConfirmed(order));
    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));

    expect(await stockOf(id)).toBe(5);
    expect(await reservationOf(order.id)).toMatchObject({ status: "returned" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, returned: 1 });
  });

  it("returns a confirmed order's units from its lines when its reservation was pruned", async () => {
    const { id, order } = await reservedOrder();
    await catalog.deliver(orderConfirmed(order));
    await catalog.db.delete(reservations).where(eq(reservations.orderId, order.id));

    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));
    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));

    expect(await stockOf(id)).toBe(5);
    expect(await reservationOf(order.id)).toMatchObject({ status: "returned" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, committed: 1, returned: 1 });
  });

  /** Makes the order's reservation expire now, through the expiry job. */
  async function expire(orderId: string) {
    await catalog.db
      .update(reservations)
      .set({ expiresAt: sql`now() - interval '1 hour'` })
      .where(eq(reservations.orderId, orderId));
    expect(await catalog.expireReservations()).toBeGreaterThanOrEqual(1);
    expect(await reservationOf(orderId)).toMatchObject({
      status: "released",
      releaseReason: "expired",
    });
  }

  it("takes the units again when the confirmation arrives after the expiry", async () => {
    const { id, order } = await reservedOrder();
    await expire(order.id);
    expect(await stockOf(id)).toBe(5);

    await catalog.deliver(orderConfirmed(order));

    expect(await stockOf(id)).toBe(3);
    expect(await reservationOf(order.id)).toMatchObject({ status: "committed" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, released: 1, committed: 1 });
  });

  it("commits nothing when the confirmation arrives after the expiry and the units are gone", async () => {
    const { id, order } = await reservedOrder();
    await expire(order.id);
    await catalog.client.adjustStock({ id, delta: -4, reason: "sold elsewhere" });

    await catalog.deliver(orderConfirmed(order));

    expect(await stockOf(id)).toBe(1);
    expect(await reservationOf(order.id)).toMatchObject({ status: "released" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, released: 1 });

    // The order is then cancelled for a refund: its units are back already, and orders hears so.
    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));
    expect(await stockOf(id)).toBe(1);
    expect(await reservationOf(order.id)).toMatchObject({ status: "returned" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, released: 1, returned: 1 });
  });

  it("returns an expired reservation without taking units when the cancellation overtakes the confirmation", async () => {
    const { id, order } = await reservedOrder();
    await expire(order.id);

    await catalog.deliver(orderCancelled(order, OrderStatus.REFUND_PENDING));
    await catalog.deliver(orderConfirmed(order));

    expect(await stockOf(id)).toBe(5);
    expect(await reservationOf(order.id)).toMatchObject({ status: "returned" });
    expect(await eventsOf(order.id)).toEqual({ ...none, reserved: 1, released: 1, returned: 1 });
  });

  it("ignores the outcome of an order the catalog rejected", async () => {
    const id = await newProduct(1);
    const order = anOrder([[id, 2]]);
    await catalog.deliver(orderPlaced(order));
    await catalog.deliver(orderRejected(order));

    expect(await stockOf(id)).toBe(1);
    expect(await reservationOf(order.id)).toMatchObject({ status: "rejected" });
    expect(await eventsOf(order.id)).toEqual({ ...none, rejected: 1 });
  });
});
