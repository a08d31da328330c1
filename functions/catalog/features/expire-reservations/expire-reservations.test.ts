import { eq, inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  ReleaseReason,
  ReservationReleasedSchema,
  StockAdjustedSchema,
} from "../../../gen/catalog/v1/events_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { productListings, products, reservations } from "../../db/schema.js";
import {
  anOrder,
  orderConfirmed,
  orderPlaced,
  recorded,
  uniqueSku,
  useCatalog,
} from "../../testing.js";

describe.each(databaseKinds)("expiring reservations on %s", (kind) => {
  const catalog = useCatalog(kind);

  async function newProduct(initialStock: number): Promise<string> {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("EXPIRE"),
      name: "Jug",
      price: { amountMinor: 2500n, currency: "EUR" },
      initialStock,
    });
    return product?.id ?? "";
  }

  const stockOf = async (id: string) =>
    (await catalog.db.select().from(products).where(eq(products.id, id)))[0]?.stock;

  const statusOf = async (orderId: string) =>
    (await catalog.db.select().from(reservations).where(eq(reservations.orderId, orderId)))[0]
      ?.status;

  /** Moves the orders' expiry this many seconds into the past (the grace is 60 s). */
  const expiredSince = (orderIds: string[], seconds: number) =>
    catalog.db
      .update(reservations)
      .set({ expiresAt: sql`now() - make_interval(secs => ${seconds})` })
      .where(inArray(reservations.orderId, orderIds));

  const releasedOf = (orderId: string) =>
    recorded(catalog.db, ReservationReleasedSchema, orderId).then((events) =>
      events.map((event) => event.reason),
    );

  it("releases a reservation past its expiry and grace, once, and not before", async () => {
    const id = await newProduct(5);
    const order = anOrder([[id, 3]]);
    await catalog.deliver(orderPlaced(order));
    expect(await stockOf(id)).toBe(2);

    // Expired, but still within the grace: an outcome may be on its way.
    await expiredSince([order.id], 50);
    expect(await catalog.expireReservations()).toBe(0);
    expect(await statusOf(order.id)).toBe("reserved");
    expect(await stockOf(id)).toBe(2);

    await expiredSince([order.id], 61);
    // Two runs at once (two instances) release it once.
    const counts = await Promise.all([catalog.expireReservations(), catalog.expireReservations()]);
    expect(counts.sort()).toEqual([0, 1]);
    expect(await catalog.expireReservations()).toBe(0);

    expect(await stockOf(id)).toBe(5);
    expect(await statusOf(order.id)).toBe("released");
    expect(await releasedOf(order.id)).toEqual([ReleaseReason.EXPIRED]);
    const adjusted = await recorded(catalog.db, StockAdjustedSchema, id);
    expect(adjusted.map((event) => [event.delta, event.stock, event.revision])).toEqual([
      [-3, 2, 2],
      [3, 5, 3],
    ]);

    // The listing follows.
    await catalog.drain();
    const [listed] = await catalog.db
      .select()
      .from(productListings)
      .where(eq(productListings.id, id));
    expect(listed).toMatchObject({ stock: 5, revision: 3 });
  });

  it("leaves a settled reservation alone, however old", async () => {
    const id = await newProduct(5);
    const order = anOrder([[id, 1]]);
    await catalog.deliver(orderPlaced(order));
    await catalog.deliver(orderConfirmed(order));
    await expiredSince([order.id], 3600);

    expect(await catalog.expireReservations()).toBe(0);
    expect(await statusOf(order.id)).toBe("committed");
    expect(await stockOf(id)).toBe(4);
  });

  it("releases many at once, with one stock change per product", async () => {
    const [a, b] = [await newProduct(10), await newProduct(10)] as [string, string];
    const orders = [
      anOrder([
        [a, 1],
        [b, 2],
      ]),
      anOrder([[a, 2]]),
      anOrder([[b, 3]]),
    ];
    for (const order of orders) await catalog.deliver(orderPlaced(order));
    expect([await stockOf(a), await stockOf(b)]).toEqual([7, 5]);
    await expiredSince(
      orders.map((order) => order.id),
      120,
    );

    expect(await catalog.expireReservations()).toBe(3);

    expect([await stockOf(a), await stockOf(b)]).toEqual([10, 10]);
    for (const order of orders) {
      expect(await statusOf(order.id)).toBe("released");
      expect(await releasedOf(order.id)).toEqual([ReleaseReason.EXPIRED]);
    }
    const back = (await recorded(catalog.db, StockAdjustedSchema, a)).filter(
      (event) => event.delta > 0,
    );
    expect(back.map((event) => [event.delta, event.stock])).toEqual([[3, 10]]);
  });
});
