import { readFile } from "node:fs/promises";
import { eq, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { isCheckViolation } from "../../platform/db/errors.js";
import { databaseKinds } from "../../platform/testing/databases.js";
import { useOrders } from "../testing.js";
import { orderLines, orderRows } from "./schema.js";

const newOrder = () => {
  const now = new Date();
  return {
    id: uuidv7(),
    customerId: "schema-customer",
    status: "PENDING" as const,
    totalMinor: 100n,
    currency: "EUR",
    createdAt: now,
    updatedAt: now,
  };
};

// postgres.js answers `execute` with an array of rows, PGlite with `{ rows }`.
function rowsOf<Row>(result: unknown): Row[] {
  return Array.isArray(result) ? result : (result as { rows: Row[] }).rows;
}

describe.each(databaseKinds)("orders schema on %s", (kind) => {
  const orders = useOrders(kind);
  const violation = (promise: Promise<unknown>) =>
    promise.then(
      () => undefined,
      (error) => error,
    );

  it("refuses an unknown status, whatever the code does", async () => {
    const error = await violation(
      orders.db.insert(orderRows).values({ ...newOrder(), status: "SHIPPED" as never }),
    );
    expect(isCheckViolation(error, "orders_status_known")).toBe(true);
  });

  it("keeps a rejection reason exactly on rejected orders", async () => {
    const order = newOrder();
    await orders.db.insert(orderRows).values(order);
    const withoutReason = await violation(
      orders.db.update(orderRows).set({ status: "REJECTED" }).where(eq(orderRows.id, order.id)),
    );
    expect(isCheckViolation(withoutReason, "orders_rejection_reason_when_rejected")).toBe(true);
    const reasonWhilePending = await violation(
      orders.db
        .update(orderRows)
        .set({ rejectionReason: "OUT_OF_STOCK" })
        .where(eq(orderRows.id, order.id)),
    );
    expect(isCheckViolation(reasonWhilePending, "orders_rejection_reason_when_rejected")).toBe(
      true,
    );
  });

  it("refuses a line without units or with a negative price", async () => {
    const order = newOrder();
    await orders.db.insert(orderRows).values(order);
    const line = { orderId: order.id, position: 0, productId: uuidv7(), name: "Cup" };
    const noUnits = await violation(
      orders.db.insert(orderLines).values({ ...line, quantity: 0, unitPriceMinor: 1n }),
    );
    expect(isCheckViolation(noUnits, "order_lines_quantity_positive")).toBe(true);
    const negative = await violation(
      orders.db.insert(orderLines).values({ ...line, quantity: 1, unitPriceMinor: -1n }),
    );
    expect(isCheckViolation(negative, "order_lines_unit_price_non_negative")).toBe(true);
  });

  it("records its migrations in a journal of its own", async () => {
    const journal = JSON.parse(
      await readFile(new URL("./migrations/meta/_journal.json", import.meta.url), "utf8"),
    ) as { entries: unknown[] };
    const [applied] = rowsOf<{ count: number }>(
      await orders.db.execute(sql`select count(*)::int as count from drizzle.__orders_migrations`),
    );
    expect(applied?.count).toBe(journal.entries.length);
  });
});
