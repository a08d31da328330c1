// The product listing projection: applies the catalog's own events to the read model that
// ListProducts serves. Every event carries the whole product at its revision, and a row only
// moves forward to a higher revision, so events arriving twice, late or out of order end in the
// same listing.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { lt } from "drizzle-orm";
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
  on(StockAdjustedSchema, (event, { tx }) => upsertSnapshot(tx, event.product)),
];
