// What the payments slices share: the database type and the row → message mapping.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  DeclineReason,
  MovementKind,
  type Payment,
  PaymentSchema,
  PaymentStatus,
} from "../gen/payments/v1/payments_pb.js";
import type { Database } from "../platform/db/database.js";
import type {
  DeclineReasonName,
  LedgerRow,
  MovementKindName,
  PaymentRow,
  PaymentStatusName,
  schema,
} from "./db/schema.js";

export type PaymentsDb = Database<typeof schema>;

export const statusToProto: Record<PaymentStatusName, PaymentStatus> = {
  pending: PaymentStatus.PENDING,
  authorized: PaymentStatus.AUTHORIZED,
  declined: PaymentStatus.DECLINED,
  captured: PaymentStatus.CAPTURED,
  voided: PaymentStatus.VOIDED,
  refunded: PaymentStatus.REFUNDED,
  cancelled: PaymentStatus.CANCELLED,
};

export const declineReasonToProto: Record<DeclineReasonName, DeclineReason> = {
  declined: DeclineReason.DECLINED,
  insufficient_funds: DeclineReason.INSUFFICIENT_FUNDS,
};

const movementKindToProto: Record<MovementKindName, MovementKind> = {
  capture: MovementKind.CAPTURE,
  refund: MovementKind.REFUND,
};

/** A payment whose order is known (customer and amount); see GetPayment. */
export function toPaymentMessage(row: PaymentRow, movements: readonly LedgerRow[]): Payment {
  return create(PaymentSchema, {
    orderId: row.orderId,
    customerId: row.customerId ?? "",
    status: statusToProto[row.status],
    amount:
      row.amountMinor === null || row.currency === null
        ? undefined
        : { amountMinor: row.amountMinor, currency: row.currency },
    declineReason: row.declineReason ? declineReasonToProto[row.declineReason] : undefined,
    movements: movements.map((movement) => ({
      kind: movementKindToProto[movement.kind],
      amount: { amountMinor: movement.amountMinor, currency: movement.currency },
      moveTime: timestampFromDate(movement.at),
    })),
    createTime: timestampFromDate(row.createdAt),
    updateTime: timestampFromDate(row.updatedAt),
  });
}

export function paymentNotFound(orderId: string): ConnectError {
  return new ConnectError(`no payment for order ${orderId}`, Code.NotFound);
}
