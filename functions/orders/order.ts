// What every orders slice shares: reading a whole order and the rows → message mapping.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { asc, eq } from "drizzle-orm";
import {
  type Order,
  OrderSchema,
  OrderStatus,
  RejectionReason,
} from "../gen/orders/v1/orders_pb.js";
import type { Database } from "../platform/db/database.js";
import type { ChangeRunner } from "../platform/events/changes.js";
import {
  type OrderLineRow,
  type OrderRow,
  orderLines,
  orderRows,
  orderStatusChanges,
  type Reason,
  type ShortLineRow,
  type Status,
  type StatusChangeRow,
  type schema,
  shortLines,
} from "./db/schema.js";

export type OrdersDb = Database<typeof schema>;
export type OrdersChange = ChangeRunner<typeof schema>;

/** An order with everything its message carries. */
export interface WholeOrder {
  row: OrderRow;
  lines: OrderLineRow[];
  history: StatusChangeRow[];
  shortLines: ShortLineRow[];
}

/**
 * Reads a whole order, or undefined. With `lock`, inside a transaction, the order row is held
 * (`FOR UPDATE`) until it ends, so concurrent transitions of one order take turns.
 */
export async function readOrder(
  db: OrdersDb,
  id: string,
  options: { lock?: boolean } = {},
): Promise<WholeOrder | undefined> {
  const query = db.select().from(orderRows).where(eq(orderRows.id, id));
  const [row] = await (options.lock ? query.for("update") : query);
  if (!row) return undefined;
  return readRest(db, row);
}

/** The lines, history and short lines of an order whose row is already read. */
export async function readRest(db: OrdersDb, row: OrderRow): Promise<WholeOrder> {
  // One after another: inside a transaction the queries share one connection anyway.
  const lines = await db
    .select()
    .from(orderLines)
    .where(eq(orderLines.orderId, row.id))
    .orderBy(asc(orderLines.position));
  const history = await db
    .select()
    .from(orderStatusChanges)
    .where(eq(orderStatusChanges.orderId, row.id))
    .orderBy(asc(orderStatusChanges.revision));
  const short = await db
    .select()
    .from(shortLines)
    .where(eq(shortLines.orderId, row.id))
    .orderBy(asc(shortLines.productId));
  return { row, lines, history, shortLines: short };
}

export const statusOf = (status: Status): OrderStatus => OrderStatus[status];

export const reasonOf = (reason: Reason | null): RejectionReason =>
  reason ? RejectionReason[reason] : RejectionReason.UNSPECIFIED;

export function toOrderMessage({ row, lines, history, shortLines }: WholeOrder): Order {
  return create(OrderSchema, {
    id: row.id,
    customerId: row.customerId,
    status: statusOf(row.status),
    lines: lines.map((line) => ({
      productId: line.productId,
      quantity: line.quantity,
      unitPrice: { amountMinor: line.unitPriceMinor, currency: row.currency },
      name: line.name,
    })),
    total: { amountMinor: row.totalMinor, currency: row.currency },
    rejectionReason: reasonOf(row.rejectionReason),
    shortLines: shortLines.map((line) => ({
      productId: line.productId,
      requested: line.requested,
      available: line.available,
    })),
    history: history.map((change) => ({
      status: statusOf(change.status),
      changeTime: timestampFromDate(change.at),
    })),
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
    revision: row.revision,
  });
}

/** The same answer for an order that does not exist and one of another customer. */
export function orderNotFound(id: string): ConnectError {
  return new ConnectError(`order ${id} not found`, Code.NotFound);
}
