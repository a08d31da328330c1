// The REST shape of products (camelCase JSON, money as {amountMinor, currency}) and its
// mapping from the catalog's messages.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import * as v from "valibot";
import type { Money, Product } from "../../gen/catalog/v1/catalog_pb.js";
import { currencyRule, uuidRule } from "../../platform/validation/rules.js";
import { jsonObject } from "../validate.js";

export const MoneyJson = v.pipe(
  jsonObject({
    amountMinor: v.pipe(
      v.number("must be a number"),
      v.safeInteger("must be a whole number of minor units, at most 2^53 - 1"),
      v.minValue(0, "must not be negative"),
      v.description("Amount in the currency's minor unit, e.g. cents"),
    ),
    currency: v.pipe(currencyRule, v.description("ISO 4217 code, e.g. EUR")),
  }),
  v.title("Money"),
);

export const ProductJson = v.pipe(
  v.object({
    id: v.pipe(v.string(), v.uuid()),
    sku: v.string(),
    name: v.string(),
    description: v.string(),
    price: MoneyJson,
    stock: v.pipe(v.number(), v.integer(), v.minValue(0)),
    createdAt: v.pipe(v.string(), v.isoTimestamp()),
    updatedAt: v.pipe(v.string(), v.isoTimestamp()),
  }),
  v.title("Product"),
);
export type ProductJson = v.InferOutput<typeof ProductJson>;

export const ProductPageJson = v.pipe(
  v.object({
    items: v.array(ProductJson),
    nextCursor: v.pipe(
      v.nullable(v.string()),
      v.description("Pass as `cursor` to get the next page; null on the last page"),
    ),
  }),
  v.title("ProductPage"),
);

export const ProductIdParams = v.object({ id: uuidRule });

/** Catalog's Money or the shared slipway.money.v1.Money: the same two fields. */
export function moneyToJson(money: Pick<Money, "amountMinor" | "currency"> | undefined) {
  // Amounts are capped at Number.MAX_SAFE_INTEGER by the catalog, so the conversion is exact.
  return { amountMinor: Number(money?.amountMinor ?? 0n), currency: money?.currency ?? "" };
}

export function productToJson(product: Product | undefined): ProductJson {
  if (!product) throw new Error("catalog answered without a product");
  return {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    price: moneyToJson(product.price),
    stock: product.stock,
    createdAt: product.createTime ? timestampDate(product.createTime).toISOString() : "",
    updatedAt: product.updateTime ? timestampDate(product.updateTime).toISOString() : "",
  };
}
