// ListProducts: products oldest first, optionally filtered by name, a page at a time (keyset
// pagination on the id). Served from the listing read model, which the catalog's events keep
// current.
import type { ServiceImpl } from "@connectrpc/connect";
import { and, asc, gt, ilike, sql } from "drizzle-orm";
import * as v from "valibot";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { decodePageToken, encodePageToken } from "../../../platform/pagination/page-token.js";
import { textRule } from "../../../platform/validation/rules.js";
import { productListings } from "../../db/schema.js";
import { type CatalogDb, toProductMessage } from "../../product.js";

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
  query: v.pipe(textRule, v.maxLength(200, "must be at most 200 characters")),
  pageToken: v.pipe(
    v.string(),
    v.check(
      (token) => token === "" || decodePageToken(token) !== undefined,
      "is not a token from a previous page",
    ),
  ),
});

export function listProducts(db: CatalogDb): ServiceImpl<typeof CatalogService>["listProducts"] {
  // Built once per handle, not per call: under load, Drizzle building the page query again on
  // every call was about a tenth of the service's busy time. The filter's shape varies (with or
  // without a cursor, with or without a name query), so there is one statement per shape.
  const prepare = (afterCursor: boolean, matching: boolean) =>
    db
      .select()
      .from(productListings)
      .where(
        and(
          afterCursor ? gt(productListings.id, sql.placeholder("after")) : undefined,
          matching ? ilike(productListings.name, sql.placeholder("pattern")) : undefined,
        ),
      )
      .orderBy(asc(productListings.id))
      .limit(sql.placeholder("limit"))
      .prepare(`catalog_list_products${afterCursor ? "_after" : ""}${matching ? "_matching" : ""}`);
  const pages = {
    first: { all: prepare(false, false), matching: prepare(false, true) },
    after: { all: prepare(true, false), matching: prepare(true, true) },
  };

  return async (req) => {
    const pageSize = req.pageSize || DEFAULT_PAGE_SIZE;
    const after = req.pageToken ? decodePageToken(req.pageToken) : undefined;
    const query = pages[after ? "after" : "first"][req.query ? "matching" : "all"];
    // One extra row tells whether another page follows without a count query.
    const rows = await query.execute({
      after,
      pattern: `%${escapeLike(req.query)}%`,
      limit: pageSize + 1,
    });
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      products: page.map(toProductMessage),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.id) : "",
    };
  };
}

/** The query is text to find, not a pattern: `%`, `_` and `\\` match themselves. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}
