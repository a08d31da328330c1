import { readFile } from "node:fs/promises";
import { eq, sql } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { isCheckViolation, isUniqueViolation } from "../../platform/db/errors.js";
import { databaseKinds } from "../../platform/testing/databases.js";
import { uniqueSku, useCatalog } from "../testing.js";
import { products } from "./schema.js";

function newRow(sku = uniqueSku("DB")) {
  return {
    id: uuidv7(),
    sku,
    name: "Crate",
    priceAmountMinor: 500n,
    priceCurrency: "EUR",
    stock: 1,
  };
}

// postgres.js answers `execute` with an array of rows, PGlite with `{ rows }`.
function rowsOf<Row>(result: unknown): Row[] {
  return Array.isArray(result) ? result : (result as { rows: Row[] }).rows;
}

describe.each(databaseKinds)("catalog schema on %s", (kind) => {
  const catalog = useCatalog(kind);

  it("refuses negative stock, whatever the code does", async () => {
    const row = newRow();
    await catalog.db.insert(products).values(row);
    const error = await catalog.db
      .update(products)
      .set({ stock: -1 })
      .where(eq(products.id, row.id))
      .catch((caught: unknown) => caught);
    expect(isCheckViolation(error, "products_stock_non_negative")).toBe(true);
    const [stored] = await catalog.db.select().from(products).where(eq(products.id, row.id));
    expect(stored?.stock).toBe(1);
  });

  it("refuses a negative price", async () => {
    const error = await catalog.db
      .insert(products)
      .values({ ...newRow(), priceAmountMinor: -1n })
      .catch((caught: unknown) => caught);
    expect(isCheckViolation(error, "products_price_non_negative")).toBe(true);
  });

  it("refuses a second SKU that differs only in case", async () => {
    const sku = uniqueSku("case").toLowerCase();
    await catalog.db.insert(products).values(newRow(sku));
    const error = await catalog.db
      .insert(products)
      .values(newRow(sku.toUpperCase()))
      .catch((caught: unknown) => caught);
    expect(isUniqueViolation(error, "products_sku_unique")).toBe(true);
  });

  it("records its migrations in a journal of its own", async () => {
    const journal = JSON.parse(
      await readFile(new URL("./migrations/meta/_journal.json", import.meta.url), "utf8"),
    ) as { entries: unknown[] };
    const [applied] = rowsOf<{ count: number }>(
      await catalog.db.execute(
        sql`select count(*)::int as count from drizzle.__catalog_migrations`,
      ),
    );
    expect(applied?.count).toBeGreaterThanOrEqual(1);
    expect(applied?.count).toBe(journal.entries.length);

    // Not drizzle's shared default journal, which would mix services' migrations.
    const [shared] = rowsOf<{ name: string | null }>(
      await catalog.db.execute(
        sql`select to_regclass('drizzle.__drizzle_migrations')::text as name`,
      ),
    );
    expect(shared).toEqual({ name: null });
  });
});
