// The product listing projection: applies the catalog's own events to the read model that
// ListProducts serves. Events may arrive twice or out of order; a row only moves forward to a
// higher revision, so replaying any of them in any order ends in the same listing.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { and, eq, lt, sql } from "drizzle-orm";
import type { Product } from "../../../gen/catalog/v1/catalog_pb.js";
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockAdjustedSchema,
} from "../../../gen/catalog/v1/events_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { type EventHandler, on } from "../../../platform/events/consumer.js";
import { productListings, type schema } from "../../db/schema.js";
import type { CatalogDb } from "../../product.js";

type Schema = typeof schema;

export const LISTING_CONSUMER = "product-listing";

async function upsertSnapshot(tx: CatalogDb, product: Product | undefined): Promise<void> {
  if (!product?.price || !product.createTime || !product.updateTime) {
    throw new PoisonMessage("event carries no complete product");
  }
  const row = {
    id: product.id,
    sku: product.sku,
    name: product.name,
    description: product.description,
    priceAmountMinor: product.price.amountMinor,
    priceCurrency: product.price.currency,
    stock: product.stock,
    createdAt: timestampDate(product.createTime),
    updatedAt: timestampDate(product.updateTime),
    revision: product.revision,
  };
  await tx
    .insert(productListings)
    .values(row)
    .onConflictDoUpdate({
      target: productListings.id,
      set: row,
      setWhere: lt(productListings.revision, row.revision),
    });
}

export const listingHandlers: EventHandler<Schema>[] = [
  on(ProductCreatedSchema, (event, { tx }) => upsertSnapshot(tx, event.product)),
  on(ProductUpdatedSchema, (event, { tx }) => upsertSnapshot(tx, event.product)),
  on(StockAdjustedSchema, async (event, { tx }) => {
    // A stock event before its product's creation event changes nothing: the snapshot that
    // arrives later carries this revision's stock or a newer one.
    await tx
      .update(productListings)
      .set({
        stock: event.stock,
        revision: event.revision,
        updatedAt: event.adjustTime ? timestampDate(event.adjustTime) : sql`now()`,
      })
      .where(
        and(eq(productListings.id, event.productId), lt(productListings.revision, event.revision)),
      );
  }),
];
