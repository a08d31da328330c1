// The events the catalog publishes, built from the product rows the slices write.
import { create } from "@bufbuild/protobuf";
import { timestampNow } from "@bufbuild/protobuf/wkt";
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockAdjustedSchema,
} from "../gen/catalog/v1/events_pb.js";
import { type Envelope, toEnvelope } from "../platform/events/envelope.js";
import type { ProductRow } from "./db/schema.js";
import { toProductMessage } from "./product.js";

const source = "catalog";

export const productCreated = (row: ProductRow): Envelope =>
  toEnvelope({
    source,
    subject: row.id,
    schema: ProductCreatedSchema,
    message: create(ProductCreatedSchema, { product: toProductMessage(row) }),
  });

export const productUpdated = (row: ProductRow): Envelope =>
  toEnvelope({
    source,
    subject: row.id,
    schema: ProductUpdatedSchema,
    message: create(ProductUpdatedSchema, { product: toProductMessage(row) }),
  });

export const stockAdjusted = (row: ProductRow, delta: number, reason: string): Envelope =>
  toEnvelope({
    source,
    subject: row.id,
    schema: StockAdjustedSchema,
    message: create(StockAdjustedSchema, {
      productId: row.id,
      delta,
      stock: row.stock,
      reason,
      adjustTime: timestampNow(),
      revision: row.revision,
      product: toProductMessage(row),
    }),
  });
