// What every catalog slice shares: product rules and the row → message mapping.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import * as v from "valibot";
import { type Product, ProductSchema } from "../gen/catalog/v1/catalog_pb.js";
import type { Database } from "../platform/db/database.js";
import type { ChangeRunner } from "../platform/events/changes.js";
import { currencyRule, messageRule, textRule } from "../platform/validation/rules.js";
import type { ProductRow, schema } from "./db/schema.js";

export type CatalogDb = Database<typeof schema>;
export type CatalogChange = ChangeRunner<typeof schema>;

/** Largest amount in minor units: keeps prices exact as JSON numbers at the gateway. */
export const MAX_AMOUNT_MINOR = BigInt(Number.MAX_SAFE_INTEGER);

export const skuRule = v.pipe(
  v.string(),
  v.regex(
    /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/,
    "must be 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit",
  ),
);

export const nameRule = v.pipe(
  textRule,
  // At least one letter or digit: whitespace and invisible characters alone are no name.
  v.check((name) => /[\p{L}\p{N}]/u.test(name), "must contain a letter or digit"),
  v.maxLength(200, "must be at most 200 characters"),
);

export const descriptionRule = v.pipe(
  textRule,
  v.maxLength(4000, "must be at most 4000 characters"),
);

export const moneyRule = messageRule({
  amountMinor: v.pipe(
    v.bigint(),
    v.minValue(0n, "must not be negative"),
    v.maxValue(MAX_AMOUNT_MINOR, `must be at most ${MAX_AMOUNT_MINOR}`),
  ),
  currency: currencyRule,
});

export function toProductMessage(row: ProductRow): Product {
  return create(ProductSchema, {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amountMinor: row.priceAmountMinor, currency: row.priceCurrency },
    stock: row.stock,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
    revision: row.revision,
  });
}

export function productNotFound(id: string): ConnectError {
  return new ConnectError(`product ${id} not found`, Code.NotFound);
}
