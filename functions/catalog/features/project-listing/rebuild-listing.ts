// Rebuilds the listing from the write model, in one transaction: for a new read model, or
// after a projection bug. `npm run catalog:rebuild-listing`. Safe while events flow: the
// projection only ever moves a row to a higher revision.
import { productListings, products } from "../../db/schema.js";
import type { CatalogDb } from "../../product.js";

export async function rebuildListing(db: CatalogDb): Promise<number> {
  return db.transaction(async (tx) => {
    await tx.delete(productListings);
    const rows = await tx
      .insert(productListings)
      .select(
        tx
          .select({
            id: products.id,
            sku: products.sku,
            name: products.name,
            description: products.description,
            priceAmountMinor: products.priceAmountMinor,
            priceCurrency: products.priceCurrency,
            stock: products.stock,
            createdAt: products.createdAt,
            updatedAt: products.updatedAt,
            revision: products.revision,
          })
          .from(products),
      )
      .returning({ id: productListings.id });
    return rows.length;
  });
}
