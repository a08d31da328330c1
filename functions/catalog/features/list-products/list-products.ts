// ListProducts: every product, oldest first, a page at a time (keyset pagination on the id).
import type { ServiceImpl } from "@connectrpc/connect";
import { asc, gt } from "drizzle-orm";
import * as v from "valibot";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { products } from "../../db/schema.js";
import { type CatalogDb, toProductMessage } from "../../product.js";
import { decodePageToken, encodePageToken } from "./page-token.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const listProductsRules = v.object({
  // 0 is proto3's "unset": the default page size applies.
  pageSize: v.pipe(
    v.number(),
    v.integer("must be a whole number"),
    v.minValue(0, "must not be negative"),
    v.maxValue(MAX_PAGE_SIZE, `must be at most ${MAX_PAGE_SIZE}`),
  ),
  pageToken: v.pipe(
    v.string(),
    v.check(
      (token) => token === "" || decodePageToken(token) !== undefined,
      "is not a token from a previous page",
    ),
  ),
});

export function listProducts(db: CatalogDb): ServiceImpl<typeof CatalogService>["listProducts"] {
  return async (req) => {
    const pageSize = req.pageSize || DEFAULT_PAGE_SIZE;
    const after = req.pageToken ? decodePageToken(req.pageToken) : undefined;
    // One extra row tells whether another page follows without a count query.
    const rows = await db
      .select()
      .from(products)
      .where(after ? gt(products.id, after) : undefined)
      .orderBy(asc(products.id))
      .limit(pageSize + 1);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      products: page.map(toProductMessage),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.id) : "",
    };
  };
}
