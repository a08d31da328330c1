// CancelOrder: before an outcome the order becomes CANCELLED; once confirmed, REFUND_PENDING
// (refund and restock follow). Cancelling again answers the order as it is; a rejected or
// refunded order can no longer be cancelled.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import * as v from "valibot";
import type { OrdersService } from "../../../gen/orders/v1/orders_pb.js";
import { callerOf } from "../../../platform/auth/internal-credential.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import type { Status } from "../../db/schema.js";
import { type OrdersChange, orderNotFound, readOrder, toOrderMessage } from "../../order.js";
import { decide } from "../../state-machine.js";
import { applyChange } from "../../transition.js";

export const cancelOrderRules = v.object({ id: uuidRule });

const FINAL: readonly Status[] = ["REJECTED", "REFUNDED"];

export function cancelOrder(
  change: OrdersChange,
): ServiceImpl<typeof OrdersService>["cancelOrder"] {
  return async (req, context) => {
    const customerId = callerOf(context).subject;
    const order = await change(async (tx) => {
      const order = await readOrder(tx, req.id, { lock: true });
      if (!order || order.row.customerId !== customerId) throw orderNotFound(req.id);
      if (FINAL.includes(order.row.status)) {
        throw new ConnectError(
          `order ${req.id} is ${order.row.status.toLowerCase()} and can no longer be cancelled`,
          Code.FailedPrecondition,
        );
      }
      const now = new Date();
      // CANCELLED or REFUND_PENDING already: no change, the order as it is.
      const moved = await applyChange(tx, order, decide(order.row, { kind: "cancel" }, now), now);
      return { result: moved.order, events: moved.event ? [moved.event] : [] };
    });
    return { order: toOrderMessage(order) };
  };
}
