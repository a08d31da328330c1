// UpdateProduct: change name, description or price; unset fields keep their value.
import type { ServiceImpl } from "@connectrpc/connect";
import { eq, sql } from "drizzle-orm";
import * as v from "valibot";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import { products } from "../../db/schema.js";
import { productUpdated } from "../../events.js";
import {
  type CatalogChange,
  descriptionRule,
  moneyRule,
  nameRule,
  productNotFound,
  toProductMessage,
} from "../../product.js";

export const updateProductRules = v.pipe(
  v.object({
    id: uuidRule,
    name: v.optional(nameRule),
    description: v.optional(descriptionRule),
    price: v.optional(moneyRule),
  }),
  v.check(
    (req) => req.name !== undefined || req.description !== undefined || req.price !== undefined,
    "set at least one of name, description, price",
  ),
);

export function updateProduct(
  change: CatalogChange,
): ServiceImpl<typeof CatalogService>["updateProduct"] {
  return async (req) => {
    const row = await change(async (tx) => {
      const [row] = await tx
        .update(products)
        .set({
          name: req.name?.trim(),
          description: req.description,
          priceAmountMinor: req.price?.amountMinor,
          priceCurrency: req.price?.currency,
          updatedAt: sql`now()`,
          revision: sql`${products.revision} + 1`,
        })
        .where(eq(products.id, req.id))
        .returning();
      if (!row) throw productNotFound(req.id);
      return { result: row, events: [productUpdated(row)] };
    });
    return { product: toProductMessage(row) };
  };
}
