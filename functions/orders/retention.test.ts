import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inbox, outbox } from "./db/schema.js";
import { saga, useOrders } from "./testing.js";

describe("outbox, inbox and idempotency key retention", () => {
  const orders = useOrders("pglite");

  it("prunes published outbox rows, inbox records and keys past retention, and nothing newer", async () => {
    const product = await orders.product();
    const client = orders.client("retained");
    for (const key of ["a", "b", "c"]) {
      await client.placeOrder({
        lines: [{ productId: product.id, quantity: 1 }],
        paymentToken: "tok_success",
        idempotencyKey: key,
      });
    }
    await orders.drain();
    expect(await orders.db.$count(outbox)).toBe(3);
    expect(await orders.db.$count(inbox)).toBe(3);

    // Age two of each beyond the retention periods (7 days, 14 days, 24 hours).
    const [first, second] = await orders.db.select({ id: outbox.id }).from(outbox).limit(2);
    for (const row of [first, second]) {
      await orders.db
        .update(outbox)
        .set({ publishedAt: sql`now() - interval '8 days'` })
        .where(eq(outbox.id, row?.id ?? ""));
      await orders.db
        .update(inbox)
        .set({ handledAt: sql`now() - interval '15 days'` })
        .where(eq(inbox.eventId, row?.id ?? ""));
    }
    await orders.db.execute(
      sql`update orders.idempotency_keys set created_at = now() - interval '25 hours' where key in ('a', 'b')`,
    );

    expect(await orders.prune()).toEqual({ outbox: 2, inbox: 2, idempotencyKeys: 2 });
    expect(await orders.db.$count(outbox)).toBe(1);
    expect(await orders.db.$count(inbox)).toBe(1);
  });

  it("never prunes an event not yet published", async () => {
    const product = await orders.product();
    const order = await orders.place("retained", [[product.id, 1]]);
    await orders.deliver(saga.paymentDeclined(order.id));
    await orders.db
      .update(outbox)
      .set({ publishedAt: null, createdAt: sql`now() - interval '30 days'` });
    const before = await orders.db.$count(outbox);
    await orders.prune();
    expect(await orders.db.$count(outbox)).toBe(before);
  });
});
