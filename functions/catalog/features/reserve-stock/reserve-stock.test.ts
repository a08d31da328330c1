import { eq, inArray, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import {
  StockAdjustedSchema,
  StockRejectedSchema,
  StockReservedSchema,
} from "../../../gen/catalog/v1/events_pb.js";
import { OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { isCheckViolation } from "../../../platform/db/errors.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { productListings, products, reservationLines, reservations } from "../../db/schema.js";
import {
  anOrder,
  orderCancelled,
  orderPlaced,
  recorded,
  uniqueSku,
  useCatalog,
} from "../../testing.js";

// postgres.js answers `execute` with an array of rows, PGlite with `{ rows }`.
function rowsOf<Row>(result: unknown): Row[] {
  return Array.isArray(result) ? result : (result as { rows: Row[] }).rows;
}

describe.each(databaseKinds)("reserving stock for an order on %s", (kind) => {
  const catalog = useCatalog(kind);

  async function newProduct(initialStock: number): Promise<string> {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("RESERVE"),
      name: "Mug",
      price: { amountMinor: 900n, currency: "EUR" },
      initialStock,
    });
    return product?.id ?? "";
  }

  async function productRow(id: string) {
    const [row] = await catalog.db.select().from(products).where(eq(products.id, id));
    return row;
  }

  async function reservationOf(orderId: string) {
    const [row] = await catalog.db
      .select()
      .from(reservations)
      .where(eq(reservations.orderId, orderId));
    return row;
  }

  const adjustedOf = (productId: string) =>
    recorded(catalog.db, StockAdjustedSchema, productId).then((events) =>
      events.filter((event) => event.reason.includes("order")),
    );

  it("takes every line at once, repeated products summed, and says so", async () => {
    const [a, b] = [await newProduct(5), await newProduct(3)] as [string, string];
    const before = await productRow(a);
    const order = anOrder([
      [a, 2],
      [b, 1],
      [a, 1],
    ]);

    await catalog.deliver(orderPlaced(order));

    expect((await productRow(a))?.stock).toBe(2);
    expect((await productRow(b))?.stock).toBe(2);
    // The stock change moves the product on, as an adjustment does.
    expect((await productRow(a))?.revision).toBe(2);
    expect((await productRow(a))?.updatedAt.getTime()).toBeGreaterThan(
      before?.updatedAt.getTime() ?? 0,
    );

    const reservation = await reservationOf(order.id);
    expect(reservation?.status).toBe("reserved");
    const ttl = ((reservation?.expiresAt?.getTime() ?? 0) - Date.now()) / 1000;
    expect(ttl).toBeGreaterThan(290);
    expect(ttl).toBeLessThanOrEqual(300);
    const lines = await catalog.db
      .select()
      .from(reservationLines)
      .where(eq(reservationLines.orderId, order.id));
    expect(lines.map((line) => [line.productId, line.quantity]).sort()).toEqual(
      [
        [a, 3],
        [b, 1],
      ].sort(),
    );

    const [reserved, ...more] = await recorded(catalog.db, StockReservedSchema, order.id);
    expect(more).toEqual([]);
    expect(reserved?.orderId).toBe(order.id);
    expect(reserved?.lines.map((line) => [line.productId, line.quantity])).toEqual(
      [
        [a, 3],
        [b, 1],
      ].sort(),
    );
    expect(Number(reserved?.expireTime?.seconds)).toBe(
      Math.floor((reservation?.expiresAt?.getTime() ?? 0) / 1000),
    );

    const [adjustedA] = await adjustedOf(a);
    expect(adjustedA).toMatchObject({ delta: -3, stock: 2, revision: 2 });
    expect(adjustedA?.product).toMatchObject({ id: a, stock: 2, revision: 2 });
    const [adjustedB] = await adjustedOf(b);
    expect(adjustedB).toMatchObject({ delta: -1, stock: 2, revision: 2 });
  });

  it("takes nothing when a line is short, and names every short line", async () => {
    const [a, b] = [await newProduct(5), await newProduct(1)] as [string, string];
    const unknown = uuidv7();
    const order = anOrder([
      [a, 2],
      [b, 2],
      [unknown, 1],
      ["not-a-product-id", 4],
    ]);

    await catalog.deliver(orderPlaced(order));

    expect((await productRow(a))?.stock).toBe(5);
    expect((await productRow(b))?.stock).toBe(1);
    expect((await productRow(a))?.revision).toBe(1);
    expect(await adjustedOf(a)).toEqual([]);
    expect((await reservationOf(order.id))?.status).toBe("rejected");
    expect(await recorded(catalog.db, StockReservedSchema, order.id)).toEqual([]);
    const [rejected] = await recorded(catalog.db, StockRejectedSchema, order.id);
    expect(
      rejected?.shortLines.map((line) => [line.productId, line.requested, line.available]).sort(),
    ).toEqual(
      [
        [b, 2, 1],
        [unknown, 1, 0],
        ["not-a-product-id", 4, 0],
      ].sort(),
    );
  });

  it("reserves once for the same event twice and for another event of the same order", async () => {
    const id = await newProduct(4);
    const order = anOrder([[id, 3]]);
    const placed = orderPlaced(order);

    await catalog.deliver(placed);
    await catalog.deliver(placed);
    await catalog.deliver(orderPlaced(order));

    expect((await productRow(id))?.stock).toBe(1);
    expect(await recorded(catalog.db, StockReservedSchema, order.id)).toHaveLength(1);
    expect(await recorded(catalog.db, StockRejectedSchema, order.id)).toEqual([]);
    expect(await adjustedOf(id)).toHaveLength(1);
  });

  it("reserves once when two events of the same order arrive together", async () => {
    const id = await newProduct(4);
    const order = anOrder([[id, 3]]);

    await Promise.all([catalog.deliver(orderPlaced(order)), catalog.deliver(orderPlaced(order))]);

    expect((await productRow(id))?.stock).toBe(1);
    expect(await recorded(catalog.db, StockReservedSchema, order.id)).toHaveLength(1);
    expect(await recorded(catalog.db, StockRejectedSchema, order.id)).toEqual([]);
  });

  it("never oversells: 200 orders at once for 50 units reserve exactly 50", async () => {
    const id = await newProduct(50);
    const orders = Array.from({ length: 200 }, () => anOrder([[id, 1]]));
    const ids = orders.map((order) => order.id);

    // All 200 in flight at once, with a read of the stock among every four. Each is started a
    // microtask after the one before, so it queues for a connection in that order; on PGlite,
    // whose one connection runs one transaction after another, that puts every read between
    // two reservations.
    const seen: number[] = [];
    const sample = async () => void seen.push((await productRow(id))?.stock ?? Number.NaN);
    const tasks = orders.flatMap((order, i) => [
      () => catalog.deliver(orderPlaced(order)),
      ...(i % 4 === 0 ? [sample] : []),
    ]);
    await Promise.all(
      tasks.map(async (task, i) => {
        for (let hop = 0; hop < i; hop++) await null;
        await task();
      }),
    );

    expect(seen.some((stock) => stock > 0 && stock < 50)).toBe(true);
    expect(seen.every((stock) => stock >= 0 && stock <= 50)).toBe(true);
    expect((await productRow(id))?.stock).toBe(0);
    const reserved = (await recorded(catalog.db, StockReservedSchema)).filter((event) =>
      ids.includes(event.orderId),
    );
    const rejected = (await recorded(catalog.db, StockRejectedSchema)).filter((event) =>
      ids.includes(event.orderId),
    );
    expect(reserved).toHaveLength(50);
    expect(rejected).toHaveLength(150);
    for (const event of rejected) {
      expect(event.shortLines.map((line) => [line.requested, line.available])).toEqual([[1, 0]]);
    }
    const statuses = await catalog.db
      .select({ status: reservations.status, count: sql<number>`count(*)::int` })
      .from(reservations)
      .where(inArray(reservations.orderId, ids))
      .groupBy(reservations.status);
    expect(Object.fromEntries(statuses.map((row) => [row.status, row.count]))).toEqual({
      reserved: 50,
      rejected: 150,
    });
    // Each reservation took one unit at its own stock level: no lost update.
    const levels = (await adjustedOf(id)).map((event) => event.stock).sort((x, y) => x - y);
    expect(levels).toEqual(Array.from({ length: 50 }, (_, i) => i));
  });

  it("has the database refuse negative stock, whatever the code does", async () => {
    const [constraint] = rowsOf<{ definition: string }>(
      await catalog.db.execute(sql`
        select pg_get_constraintdef(c.oid) as definition
        from pg_constraint c
        join pg_class t on t.oid = c.conrelid
        join pg_namespace n on n.oid = t.relnamespace
        where n.nspname = 'catalog' and t.relname = 'products'
          and c.conname = 'products_stock_non_negative' and c.contype = 'c'`),
    );
    expect(constraint?.definition).toMatch(/CHECK \(\(stock >= 0\)\)/);

    const id = await newProduct(1);
    const error = await catalog.db
      .update(products)
      .set({ stock: -1 })
      .where(eq(products.id, id))
      .catch((caught: unknown) => caught);
    expect(isCheckViolation(error, "products_stock_non_negative")).toBe(true);
    expect((await productRow(id))?.stock).toBe(1);
  });

  it("shows the reserved, then the released, stock in the listing", async () => {
    const id = await newProduct(7);
    const order = anOrder([[id, 5]]);
    const listed = async () =>
      (await catalog.db.select().from(productListings).where(eq(productListings.id, id)))[0];

    await catalog.deliver(orderPlaced(order));
    await catalog.drain();
    expect(await listed()).toMatchObject({ stock: 2, revision: 2 });

    await catalog.deliver(orderCancelled(order, OrderStatus.CANCELLED));
    await catalog.drain();
    expect(await listed()).toMatchObject({ stock: 7, revision: 3 });
  });

  it("dead-letters an OrderPlaced without an order or with a line of no units", async () => {
    const id = await newProduct(3);
    const noOrder = { ...orderPlaced(anOrder([[id, 1]])), data_base64: "" };
    await expect(catalog.deliver(noOrder)).rejects.toThrow(PoisonMessage);
    const zero = anOrder([[id, 0]]);
    await expect(catalog.deliver(orderPlaced(zero))).rejects.toThrow(/line of 0 units/);
    expect(await reservationOf(zero.id)).toBeUndefined();
    expect((await productRow(id))?.stock).toBe(3);
  });
});
