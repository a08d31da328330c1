// CreateProduct: a new product with its price and opening stock; SKUs are unique.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { uuidv7 } from "uuidv7";
import * as v from "valibot";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { isUniqueViolation } from "../../../platform/db/errors.js";
import { messageRule } from "../../../platform/validation/rules.js";
import { products } from "../../db/schema.js";
import { productCreated } from "../../events.js";
import {
  type CatalogChange,
  descriptionRule,
  moneyRule,
  nameRule,
  skuRule,
  toProductMessage,
} from "../../product.js";

export const createProductRules = messageRule({
  sku: skuRule,
  name: nameRule,
  description: descriptionRule,
  price: moneyRule,
  initialStock: v.pipe(
    v.number(),
    v.integer("must be a whole number"),
    v.minValue(0, "must not be negative"),
  ),
});

export function createProduct(
  change: CatalogChange,
): ServiceImpl<typeof CatalogService>["createProduct"] {
  return async (req) => {
    // The rules make price required; this narrows its type.
    const price = req.price as NonNullable<typeof req.price>;
    try {
      const row = await change(async (tx) => {
        const [row] = await tx
          .insert(products)
          .values({
            id: uuidv7(),
            sku: req.sku,
            name: req.name.trim(),
            description: req.description,
            priceAmountMinor: price.amountMinor,
            priceCurrency: price.currency,
            stock: req.initialStock,
          })
          .returning();
        // INSERT … RETURNING yields the row or throws; an empty result would be a driver bug.
        if (!row) throw new Error("insert returned no row");
        return { result: row, events: [productCreated(row)] };
      });
      return { product: toProductMessage(row) };
    } catch (error) {
      if (isUniqueViolation(error, "products_sku_unique")) {
        throw new ConnectError(`a product with SKU ${req.sku} already exists`, Code.AlreadyExists);
      }
      throw error;
    }
  };
}
