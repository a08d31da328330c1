// GetProduct: one product by id.
import type { ServiceImpl } from "@connectrpc/connect";
import { eq, sql } from "drizzle-orm";
import * as v from "valibot";
import type { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import { products } from "../../db/schema.js";
import { type CatalogDb, productNotFound, toProductMessage } from "../../product.js";

export const getProductRules = v.object({ id: uuidRule });

export function getProduct(db: CatalogDb): ServiceImpl<typeof CatalogService>["getProduct"] {
  // Built once per handle, not per call: under load, Drizzle building this query again on
  // every call was about a tenth of the service's busy time.
  const byId = db
    .select()
    .from(products)
    .where(eq(products.id, sql.placeholder("id")))
    .prepare("catalog_get_product");
  return async (req) => {
    const [row] = await byId.execute({ id: req.id });
    if (!row) throw productNotFound(req.id);
    return { product: toProductMessage(row) };
  };
}
