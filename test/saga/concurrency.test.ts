// The acceptance test of the saga under contention: 200 customers order the last 50 units at
// once. Exactly 50 orders are confirmed and charged once each, the other 150 are rejected as
// out of stock naming the short line and charged nothing, and the stock never goes below zero
// at any moment, because the database itself forbids it.
import { setTimeout as sleep } from "node:timers/promises";
import { inArray, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { reservations } from "../../functions/catalog/db/schema.js";
import { OrderStatus, RejectionReason } from "../../functions/gen/orders/v1/orders_pb.js";
import { MovementKind, PaymentStatus } from "../../functions/gen/payments/v1/payments_pb.js";
import { ledger, payments } from "../../functions/payments/db/schema.js";
import { isCheckViolation } from "../../functions/platform/db/errors.js";
import { databaseKinds } from "../../functions/platform/testing/databases.js";
import { useSaga } from "./harness.js";

const STOCK = 50;
const ORDERS = 200;
const CUSTOMERS = 40;
const PRICE = 1_250n;

/** Rows of a raw query, whichever driver ran it. */
const rowsOf = <T>(result: unknown): T[] =>
  Array.isArray(result) ? (result as T[]) : (result as { rows: T[] }).rows;

describe.each(databaseKinds)("%s: 200 concurrent orders for 50 units", (kind) => {
  const saga = useSaga(kind);

  it("confirms and charges exactly 50, rejects 150 as out of stock, and never oversells", {
    timeout: 60_000,
  }, async () => {
    const product = await saga.product(STOCK, PRICE);
    const customerOf = (n: number) => `stock-rush-${n % CUSTOMERS}`;

    // Reads the stock every few ms while the orders run: no moment may show it below zero.
    const samples: number[] = [];
    let sampling = true;
    const sampler = (async () => {
      while (sampling) {
        const stock = await saga.stockOf(product.id);
        if (stock !== undefined) samples.push(stock);
        await sleep(3);
      }
    })();

    const started = performance.now();
    let ids: string[];
    let final: Awaited<ReturnType<typeof saga.settled>>;
    try {
      const placed = await Promise.all(
        Array.from({ length: ORDERS }, (_, n) =>
          saga.ordersClient(customerOf(n)).placeOrder({
            lines: [{ productId: product.id, quantity: 1 }],
            paymentToken: "tok_success",
          }),
        ),
      );
      ids = placed.map(({ order }) => order?.id ?? expect.fail("PlaceOrder answered no order"));
      final = await saga.settled(ids, 50_000);
    } finally {
      sampling = false;
      await sampler;
    }
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `${kind}: ${ORDERS} orders settled in ${seconds.toFixed(1)} s (${(ORDERS / seconds).toFixed(0)} orders/s), ${samples.length} stock samples`,
    );

    // The orders, as their customers read them.
    const read = await Promise.all(
      ids.map(async (id, n) => (await saga.ordersClient(customerOf(n)).getOrder({ id })).order),
    );
    const confirmed = read.filter((order) => order?.status === OrderStatus.CONFIRMED);
    const rejected = read.filter((order) => order?.status === OrderStatus.REJECTED);
    expect(confirmed).toHaveLength(STOCK);
    expect(rejected).toHaveLength(ORDERS - STOCK);
    for (const order of rejected) {
      expect(order).toMatchObject({
        rejectionReason: RejectionReason.OUT_OF_STOCK,
        shortLines: [
          expect.objectContaining({ productId: product.id, requested: 1, available: 0 }),
        ],
      });
    }
    const confirmedIds = confirmed.map((order) => order?.id ?? "");
    const rejectedIds = rejected.map((order) => order?.id ?? "");
    expect([...final.values()].filter((row) => row.status === "CONFIRMED")).toHaveLength(STOCK);

    // Stock: all sold, and never below zero on the way.
    expect(await saga.stockOf(product.id)).toBe(0);
    expect((await saga.catalogClient.getProduct({ id: product.id })).product?.stock).toBe(0);
    expect(samples.length).toBeGreaterThan(0);
    expect(Math.min(...samples)).toBeGreaterThanOrEqual(0);
    const held = await saga.catalog.db
      .select({ status: reservations.status, n: sql<number>`count(*)::int` })
      .from(reservations)
      .where(inArray(reservations.orderId, ids))
      .groupBy(reservations.status);
    expect(held.sort((a, b) => a.status.localeCompare(b.status))).toEqual([
      { status: "committed", n: STOCK },
      { status: "rejected", n: ORDERS - STOCK },
    ]);

    // Money: one capture of the whole amount per confirmed order, nothing for the rejected.
    const moved = await saga.payments.db.select().from(ledger).where(inArray(ledger.orderId, ids));
    expect(moved).toHaveLength(STOCK);
    expect(new Set(moved.map((row) => row.orderId))).toEqual(new Set(confirmedIds));
    for (const row of moved) {
      expect(row).toMatchObject({ kind: "capture", amountMinor: PRICE, currency: "EUR" });
    }
    const paid = await saga.payments.db
      .select()
      .from(payments)
      .where(inArray(payments.orderId, ids));
    const statusOf = new Map(paid.map((row) => [row.orderId, row]));
    for (const id of confirmedIds) {
      expect(statusOf.get(id)).toMatchObject({
        status: "captured",
        capturedMinor: PRICE,
        refundedMinor: 0n,
      });
    }
    for (const id of rejectedIds) {
      // Never authorized: the stock was refused before payments had a reservation to charge for.
      expect(statusOf.get(id)).toMatchObject({ status: "cancelled", capturedMinor: 0n });
    }
    // And as payments answers for them.
    for (const orderId of confirmedIds) {
      const { payment } = await saga.paymentsClient.getPayment({ orderId });
      expect(payment).toMatchObject({
        status: PaymentStatus.CAPTURED,
        movements: [
          expect.objectContaining({
            kind: MovementKind.CAPTURE,
            amount: expect.objectContaining({ amountMinor: PRICE, currency: "EUR" }),
          }),
        ],
      });
    }
  });

  it("has the database refuse negative stock: a CHECK constraint, enforced on a direct UPDATE", async () => {
    const checks = rowsOf<{ name: string; definition: string }>(
      await saga.catalog.db.execute(sql`
        select c.conname as name, pg_get_constraintdef(c.oid) as definition
        from pg_constraint c
        where c.conrelid = 'catalog.products'::regclass and c.contype = 'c'`),
    );
    expect(checks).toContainEqual({
      name: "products_stock_non_negative",
      definition: expect.stringMatching(/^CHECK \(\(?stock >= 0\)?\)$/),
    });

    const product = await saga.product(0);
    const update = saga.catalog.db.execute(
      sql`update catalog.products set stock = -1 where id = ${product.id}`,
    );
    await expect(update).rejects.toSatisfy((error) =>
      isCheckViolation(error, "products_stock_non_negative"),
    );
    expect(await saga.stockOf(product.id)).toBe(0);
  });
});
