// AdjustStock: add or remove units in one atomic statement; stock never goes below zero.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { eq, sql } from "drizzle-orm";
import * as v from "valibot";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { isCheckViolation, isNumericOutOfRange } from "../../../platform/db/errors.js";
import { textRule, uuidRule } from "../../../platform/validation/rules.js";
import { products } from "../../db/schema.js";
import { stockAdjusted } from "../../events.js";
import { type CatalogChange, productNotFound, toProductMessage } from "../../product.js";

// Keeps one adjustment within int4 range together with any current stock.
const MAX_DELTA = 1_000_000_000;

export const adjustStockRules = v.object({
  id: uuidRule,
  delta: v.pipe(
    v.number(),
    v.integer("must be a whole number"),
    v.check((delta) => delta !== 0, "must not be zero"),
    v.minValue(-MAX_DELTA, `must be at least ${-MAX_DELTA}`),
    v.maxValue(MAX_DELTA, `must be at most ${MAX_DELTA}`),
  ),
  reason: v.pipe(textRule, v.maxLength(200, "must be at most 200 characters")),
});

export function adjustStock(
  change: CatalogChange,
): ServiceImpl<typeof CatalogService>["adjustStock"] {
  return async (req) => {
    try {
      // `stock + delta` in SQL, not read-modify-write: concurrent adjustments cannot lose
      // updates, and the CHECK constraint rejects any that would go negative.
      const row = await change(async (tx) => {
        const [row] = await tx
          .update(products)
          .set({
            stock: sql`${products.stock} + ${req.delta}`,
            updatedAt: sql`now()`,
            revision: sql`${products.revision} + 1`,
          })
          .where(eq(products.id, req.id))
          .returning();
        if (!row) throw productNotFound(req.id);
        return { result: row, events: [stockAdjusted(row, req.delta, req.reason)] };
      });
      return { product: toProductMessage(row) };
    } catch (error) {
      if (isCheckViolation(error, "products_stock_non_negative")) {
        throw new ConnectError(
          `stock of product ${req.id} would go below zero`,
          Code.FailedPrecondition,
        );
      }
      if (isNumericOutOfRange(error)) {
        throw new ConnectError(
          `stock of product ${req.id} would overflow`,
          Code.FailedPrecondition,
        );
      }
      throw error;
    }
  };
}
