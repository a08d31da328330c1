// PlaceOrder: price the lines from catalog, freeze the prices, and start the order PENDING with
// OrderPlaced (the whole order and the payment token) for the saga. Once per idempotency key.
import type { ServiceImpl } from "@connectrpc/connect";
import { uuidv7 } from "uuidv7";
import * as v from "valibot";
import type { OrdersService } from "../../../gen/orders/v1/orders_pb.js";
import { callerOf } from "../../../platform/auth/internal-credential.js";
import { metrics } from "../../../platform/metrics.js";
import { messageRule, textRule, uuidRule } from "../../../platform/validation/rules.js";
import { orderLines, orderRows, orderStatusChanges } from "../../db/schema.js";
import { orderPlaced } from "../../events.js";
import {
  type OrdersChange,
  type OrdersDb,
  orderNotFound,
  readOrder,
  toOrderMessage,
  type WholeOrder,
} from "../../order.js";
import { idempotent, requestHash } from "./idempotency.js";
import { type CatalogClient, type PricedOrder, priceLines } from "./pricing.js";

export const MAX_LINES = 50;
export const MAX_QUANTITY = 1000;

const lineRule = messageRule({
  productId: uuidRule,
  quantity: v.pipe(
    v.number(),
    v.integer("must be a whole number"),
    v.minValue(1, "must be at least 1"),
    v.maxValue(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
  ),
});

export const placeOrderRules = messageRule({
  lines: v.pipe(
    v.array(lineRule),
    v.minLength(1, "must have at least one line"),
    v.maxLength(MAX_LINES, `must have at most ${MAX_LINES} lines`),
    // Each product once: the violation names the repeated line.
    v.rawCheck(({ dataset, addIssue }) => {
      if (!dataset.typed) return;
      const seen = new Set<string>();
      dataset.value.forEach((line, index) => {
        const id = line.productId.toLowerCase();
        if (seen.has(id)) {
          addIssue({
            message: "repeats a product of an earlier line",
            path: [
              { type: "array", origin: "value", input: dataset.value, key: index, value: line },
              {
                type: "object",
                origin: "value",
                input: line,
                key: "productId",
                value: line.productId,
              },
            ],
          });
        }
        seen.add(id);
      });
    }),
  ),
  paymentToken: v.pipe(
    textRule,
    v.minLength(1, "is required"),
    v.maxLength(100, "must be at most 100 characters"),
  ),
  // Empty is proto3's "unset": no key.
  idempotencyKey: v.pipe(
    v.string(),
    v.maxLength(255, "must be at most 255 characters"),
    v.regex(/^[\x21-\x7e]*$/, "must be visible ASCII characters"),
  ),
});

export interface PlaceOrderDeps {
  db: OrdersDb;
  change: OrdersChange;
  catalog: CatalogClient;
}

export function placeOrder({
  db,
  change,
  catalog,
}: PlaceOrderDeps): ServiceImpl<typeof OrdersService>["placeOrder"] {
  return async (req, context) => {
    const caller = callerOf(context);
    const customerId = caller.subject;
    const scope = req.idempotencyKey
      ? { customerId, key: req.idempotencyKey, requestHash: requestHash(req) }
      : undefined;
    const order = await idempotent(
      db,
      scope,
      async (claim) => {
        const priced = await priceLines(catalog, req.lines, { caller, signal: context.signal });
        const placed = await change(async (tx) => {
          const order = await insertOrder(tx, customerId, priced);
          await claim(tx, order.row.id);
          return { result: order, events: [orderPlaced(toOrderMessage(order), req.paymentToken)] };
        });
        // Committed: a replay of the key (or the loser of a race for it) never gets here.
        metrics.count("orders_placed_total");
        return placed;
      },
      async (orderId) => {
        const first = await readOrder(db, orderId);
        if (!first) throw orderNotFound(orderId);
        return first;
      },
    );
    return { order: toOrderMessage(order) };
  };
}

async function insertOrder(
  tx: OrdersDb,
  customerId: string,
  priced: PricedOrder,
): Promise<WholeOrder> {
  const id = uuidv7();
  const now = new Date();
  const [row] = await tx
    .insert(orderRows)
    .values({
      id,
      customerId,
      status: "PENDING",
      totalMinor: priced.totalMinor,
      currency: priced.currency,
      createdAt: now,
      updatedAt: now,
      revision: 1,
    })
    .returning();
  if (!row) throw new Error("insert returned no order");
  const lines = await tx
    .insert(orderLines)
    .values(priced.lines.map((line, position) => ({ orderId: id, position, ...line })))
    .returning();
  const history = await tx
    .insert(orderStatusChanges)
    .values({ orderId: id, revision: 1, status: "PENDING", at: now })
    .returning();
  return { row, lines, history, shortLines: [] };
}
