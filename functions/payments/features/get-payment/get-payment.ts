// GetPayment: an order's payment with its money movements. A customer sees only their own;
// a service (acting for no user) any.
import type { ServiceImpl } from "@connectrpc/connect";
import { asc, eq } from "drizzle-orm";
import * as v from "valibot";
import type { PaymentsService } from "../../../gen/payments/v1/payments_pb.js";
import { callerOf, isServiceCaller } from "../../../platform/auth/internal-credential.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import { ledger, payments } from "../../db/schema.js";
import { type PaymentsDb, paymentNotFound, toPaymentMessage } from "../../payment.js";

export const getPaymentRules = v.object({ orderId: uuidRule });

export function getPayment(db: PaymentsDb): ServiceImpl<typeof PaymentsService>["getPayment"] {
  return async (req, context) => {
    const caller = callerOf(context);
    const [row] = await db.select().from(payments).where(eq(payments.orderId, req.orderId));
    // Until an orders event names the customer and amount (StockReserved can come first) there
    // is no payment to show. Another customer's answers the same: not theirs to learn about.
    if (
      !row ||
      row.customerId === null ||
      (!isServiceCaller(caller) && row.customerId !== caller.subject)
    ) {
      throw paymentNotFound(req.orderId);
    }
    const movements = await db
      .select()
      .from(ledger)
      .where(eq(ledger.orderId, row.orderId))
      .orderBy(asc(ledger.at), asc(ledger.id));
    return { payment: toPaymentMessage(row, movements) };
  };
}
