// GetOrder: one order with its lines and history; a customer sees only their own.
import type { ServiceImpl } from "@connectrpc/connect";
import * as v from "valibot";
import type { OrdersService } from "../../../gen/orders/v1/orders_pb.js";
import { callerOf, isServiceCaller } from "../../../platform/auth/internal-credential.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import { type OrdersDb, orderNotFound, readOrder, toOrderMessage } from "../../order.js";

export const getOrderRules = v.object({ id: uuidRule });

export function getOrder(db: OrdersDb): ServiceImpl<typeof OrdersService>["getOrder"] {
  return async (req, context) => {
    const caller = callerOf(context);
    const order = await readOrder(db, req.id);
    // Another customer's order answers exactly as a missing one: no hint that it exists.
    // Services (acting for themselves, not a customer) read any order.
    if (!order || (!isServiceCaller(caller) && order.row.customerId !== caller.subject)) {
      throw orderNotFound(req.id);
    }
    return { order: toOrderMessage(order) };
  };
}
