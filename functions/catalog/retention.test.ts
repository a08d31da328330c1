import { inArray, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { inbox, outbox, reservationLines, reservations } from "./db/schema.js";
import { uniqueSku, useCatalog } from "./testing.js";

describe("outbox and inbox retention", () => {
  const catalog = useCatalog("pglite");

  it("prunes published outbox rows and inbox records past retention, and nothing newer", async () => {
    for (let i = 0; i < 3; i++) {
      await catalog.client.createProduct({
        sku: uniqueSku("PRUNE"),
        name: "Old news",
        price: { amountMinor: 1n, currency: "EUR" },
      });
    }
    await catalog.drain();
    expect(await catalog.db.$count(outbox)).toBe(3);
    expect(await catalog.db.$count(inbox)).toBe(3);

    // Age two of each beyond the retention periods (7 and 14 days).
    const [first, second] = await catalog.db.select({ id: outbox.id }).from(outbox).limit(2);
    for (const row of [first, second]) {
      await catalog.db
        .update(outbox)
        .set({ publishedAt: sql`now() - interval '8 days'` })
        .where(sql`${outbox.id} = ${row?.id}`);
      await catalog.db
        .update(inbox)
        .set({ handledAt: sql`now() - interval '15 days'` })
        .where(sql`${inbox.eventId} = ${row?.id}`);
    }
    expect(await catalog.prune()).toEqual({ outbox: 2, inbox: 2, reservations: 0 });
    expect(await catalog.db.$count(outbox)).toBe(1);
    expect(await catalog.db.$count(inbox)).toBe(1);
  });

  it("never prunes an outbox row that is not yet published", async () => {
    await catalog.db.insert(outbox).values({
      id: "01890a5d-ac96-774b-bcce-b302099a8057",
      type: "slipway.catalog.v1.ProductCreated",
      envelope: "{}",
      createdAt: sql`now() - interval '30 days'`,
      nextAttemptAt: sql`now() + interval '1 day'`,
    });
    const before = await catalog.db.$count(outbox);
    await catalog.prune();
    expect(await catalog.db.$count(outbox)).toBe(before);
  });

  it("prunes settled reservations after 14 days, never one that still holds stock", async () => {
    const productId = uuidv7();
    const rows = (["rejected", "committed", "released", "returned", "reserved"] as const).flatMap(
      (status) =>
        [20, 13].map((ageDays) => ({
          orderId: uuidv7(),
          status,
          ageDays,
          expiresAt: status === "reserved" ? sql`now()` : null,
          updatedAt: sql`now() - make_interval(days => ${ageDays})`,
        })),
    );
    await catalog.db.insert(reservations).values(rows);
    await catalog.db
      .insert(reservationLines)
      .values(rows.map(({ orderId }) => ({ orderId, productId, quantity: 1 })));
    const ids = rows.map((row) => row.orderId);

    expect((await catalog.prune()).reservations).toBe(4);

    const left = await catalog.db
      .select({ orderId: reservations.orderId })
      .from(reservations)
      .where(inArray(reservations.orderId, ids));
    const kept = rows.filter((row) => row.ageDays === 13 || row.status === "reserved");
    expect(left.map((row) => row.orderId).sort()).toEqual(kept.map((row) => row.orderId).sort());
    // Their lines went with them.
    expect(await catalog.db.$count(reservationLines, inArray(reservationLines.orderId, ids))).toBe(
      kept.length,
    );
  });
});
