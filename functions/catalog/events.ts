// The events the catalog publishes, built from the product rows the slices write.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  type ReleaseReason,
  ReservationCommittedSchema,
  ReservationReleasedSchema,
  StockAdjustedSchema,
  StockRejectedSchema,
  StockReservedSchema,
  StockReturnedSchema,
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

// The order saga's stock events are about an order: its id is their subject.

export const stockReserved = (
  orderId: string,
  lines: ReadonlyMap<string, number>,
  expiresAt: Date,
): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: StockReservedSchema,
    message: create(StockReservedSchema, {
      orderId,
      lines: [...lines].map(([productId, quantity]) => ({ productId, quantity })),
      expireTime: timestampFromDate(expiresAt),
    }),
  });

export const stockRejected = (
  orderId: string,
  shortLines: readonly { productId: string; requested: number; available: number }[],
): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: StockRejectedSchema,
    message: create(StockRejectedSchema, { orderId, shortLines: [...shortLines] }),
  });

export const reservationReleased = (orderId: string, reason: ReleaseReason): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: ReservationReleasedSchema,
    message: create(ReservationReleasedSchema, { orderId, reason }),
  });

export const reservationCommitted = (orderId: string): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: ReservationCommittedSchema,
    message: create(ReservationCommittedSchema, { orderId }),
  });

export const stockReturned = (orderId: string): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: StockReturnedSchema,
    message: create(StockReturnedSchema, { orderId }),
  });
