import { sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { inbox, outbox, providerRecords } from "./db/schema.js";
import { testOrder, usePayments } from "./testing.js";

describe("payments retention", () => {
  const service = usePayments("pglite");

  it("prunes the outbox, the inbox and the provider's records past retention, nothing newer", async () => {
    const old = testOrder();
    const recent = testOrder();
    await service.deliver(old.placed(), old.reserved(), recent.placed(), recent.reserved());
    expect(await service.db.$count(outbox)).toBe(2);
    expect(await service.db.$count(inbox)).toBe(4);
    expect(await service.db.$count(providerRecords)).toBe(2);

    // Age the old order's rows beyond their retention (7 days, 14 days, a day).
    await service.db
      .update(outbox)
      .set({ publishedAt: sql`now() - interval '8 days'` })
      .where(sql`${outbox.envelope}::jsonb ->> 'subject' = ${old.id}`);
    await service.db
      .update(inbox)
      .set({ handledAt: sql`now() - interval '15 days'` })
      .where(sql`${inbox.handledAt} = (select min(${inbox.handledAt}) from ${inbox})`);
    await service.db
      .update(providerRecords)
      .set({ createdAt: sql`now() - interval '2 days'` })
      .where(sql`${providerRecords.idempotencyKey} like ${`${old.id}:%`}`);

    expect(await service.prune()).toEqual({ outbox: 1, inbox: 1, providerRecords: 1 });
    expect(await service.db.$count(outbox)).toBe(1);
    expect(await service.db.$count(inbox)).toBe(3);
    expect(await service.providerRecordsOf(recent.id)).toHaveLength(1);
  });
});
