import { readFile } from "node:fs/promises";
import { eq, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { isCheckViolation, isUniqueViolation } from "../../platform/db/errors.js";
import { databaseKinds } from "../../platform/testing/databases.js";
import { usePayments } from "../testing.js";
import { ledger, payments } from "./schema.js";

// postgres.js answers `execute` with an array of rows, PGlite with `{ rows }`.
function rowsOf<Row>(result: unknown): Row[] {
  return Array.isArray(result) ? result : (result as { rows: Row[] }).rows;
}

describe.each(databaseKinds)("payments schema on %s", (kind) => {
  const service = usePayments(kind);

  async function capturedPayment() {
    const orderId = uuidv7();
    await service.db.insert(payments).values({
      orderId,
      customerId: "customer-1",
      amountMinor: 1000n,
      currency: "EUR",
      status: "captured",
      outcome: "confirmed",
      capturedMinor: 1000n,
    });
    await service.db
      .insert(ledger)
      .values({ id: uuidv7(), orderId, kind: "capture", amountMinor: 1000n, currency: "EUR" });
    return orderId;
  }

  it("declares that refunds never exceed captures", async () => {
    const [constraint] = rowsOf<{ definition: string }>(
      await service.db.execute(sql`
        select pg_get_constraintdef(c.oid) as definition
        from pg_constraint c join pg_namespace n on n.oid = c.connamespace
        where n.nspname = 'payments' and c.conname = 'payments_refunds_within_captures'`),
    );
    expect(constraint?.definition).toMatch(/CHECK \(+refunded_minor <= captured_minor\)+/);
  });

  it("refuses an update that refunds more than was captured, whatever the code does", async () => {
    const orderId = await capturedPayment();
    const error = await service.db
      .update(payments)
      .set({ refundedMinor: 1001n })
      .where(eq(payments.orderId, orderId))
      .catch((caught: unknown) => caught);
    expect(isCheckViolation(error, "payments_refunds_within_captures")).toBe(true);
    const [stored] = await service.db.select().from(payments).where(eq(payments.orderId, orderId));
    expect(stored).toMatchObject({ capturedMinor: 1000n, refundedMinor: 0n });
  });

  it("refuses negative totals, unknown statuses and outcomes", async () => {
    const orderId = await capturedPayment();
    const attempts: [Record<string, unknown>, string][] = [
      [{ capturedMinor: -1n }, "payments_captured_non_negative"],
      [{ refundedMinor: -1n }, "payments_refunded_non_negative"],
      [{ status: "lost" }, "payments_status_known"],
      [{ outcome: "maybe" }, "payments_outcome_known"],
      [{ declineReason: "declined" }, "payments_decline_reason"],
    ];
    for (const [set, constraint] of attempts) {
      const error = await service.db
        .update(payments)
        .set(set)
        .where(eq(payments.orderId, orderId))
        .catch((caught: unknown) => caught);
      expect(isCheckViolation(error, constraint), constraint).toBe(true);
    }
  });

  it("keeps one movement of each kind per payment, each of a positive amount", async () => {
    const orderId = await capturedPayment();
    const second = await service.db
      .insert(ledger)
      .values({ id: uuidv7(), orderId, kind: "capture", amountMinor: 1000n, currency: "EUR" })
      .catch((caught: unknown) => caught);
    expect(isUniqueViolation(second, "ledger_one_per_kind")).toBe(true);
    const nothing = await service.db
      .insert(ledger)
      .values({ id: uuidv7(), orderId, kind: "refund", amountMinor: 0n, currency: "EUR" })
      .catch((caught: unknown) => caught);
    expect(isCheckViolation(nothing, "ledger_amount_positive")).toBe(true);
  });

  it("records its migrations in a journal of its own", async () => {
    const journal = JSON.parse(
      await readFile(new URL("./migrations/meta/_journal.json", import.meta.url), "utf8"),
    ) as { entries: unknown[] };
    const [applied] = rowsOf<{ count: number }>(
      await service.db.execute(
        sql`select count(*)::int as count from drizzle.__payments_migrations`,
      ),
    );
    expect(applied?.count).toBe(journal.entries.length);
  });
});
