// ListOrders: the caller's orders newest first, a page at a time (keyset pagination on the
// UUIDv7 id, which orders by creation). Served from the summaries read model, which the
// orders' own events keep current.
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { ServiceImpl } from "@connectrpc/connect";
import { and, desc, eq, lt } from "drizzle-orm";
import * as v from "valibot";
import type { OrdersService } from "../../../gen/orders/v1/orders_pb.js";
import { callerOf } from "../../../platform/auth/internal-credential.js";
import { decodePageToken, encodePageToken } from "../../../platform/pagination/page-token.js";
import { orderSummaries, type SummaryRow } from "../../db/schema.js";
import { type OrdersDb, statusOf } from "../../order.js";

export const DEFAULT_PAGE_SIZE = 20;
export const MAX_PAGE_SIZE = 100;

export const listOrdersRules = v.object({
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

export function listOrders(db: OrdersDb): ServiceImpl<typeof OrdersService>["listOrders"] {
  return async (req, context) => {
    const customerId = callerOf(context).subject;
    const pageSize = req.pageSize || DEFAULT_PAGE_SIZE;
    const before = req.pageToken ? decodePageToken(req.pageToken) : undefined;
    // One extra row tells whether another page follows without a count query.
    const rows = await db
      .select()
      .from(orderSummaries)
      .where(
        and(
          eq(orderSummaries.customerId, customerId),
          before ? lt(orderSummaries.orderId, before) : undefined,
        ),
      )
      .orderBy(desc(orderSummaries.orderId))
      .limit(pageSize + 1);
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      orders: page.map(toSummaryMessage),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.orderId) : "",
    };
  };
}

function toSummaryMessage(row: SummaryRow) {
  return {
    id: row.orderId,
    status: statusOf(row.status),
    total: { amountMinor: row.totalMinor, currency: row.currency },
    lineCount: row.lineCount,
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  };
}
