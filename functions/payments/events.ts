// The events the payments service publishes, keyed by order id.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import {
  PaymentAuthorizedSchema,
  PaymentCapturedSchema,
  PaymentDeclinedSchema,
  PaymentRefundedSchema,
  PaymentVoidedSchema,
} from "../gen/payments/v1/events_pb.js";
import { type Envelope, toEnvelope } from "../platform/events/envelope.js";
import type { DeclineReasonName } from "./db/schema.js";
import { declineReasonToProto } from "./payment.js";
import type { Amount } from "./provider/provider.js";

const source = "payments";

export const paymentAuthorized = (
  orderId: string,
  amount: Amount,
  reservationExpiresAt: Date,
): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: PaymentAuthorizedSchema,
    message: create(PaymentAuthorizedSchema, {
      orderId,
      amount,
      reservationExpireTime: timestampFromDate(reservationExpiresAt),
    }),
  });

export const paymentDeclined = (orderId: string, reason: DeclineReasonName): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: PaymentDeclinedSchema,
    message: create(PaymentDeclinedSchema, { orderId, reason: declineReasonToProto[reason] }),
  });

export const paymentCaptured = (orderId: string, amount: Amount): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: PaymentCapturedSchema,
    message: create(PaymentCapturedSchema, { orderId, amount }),
  });

export const paymentVoided = (orderId: string): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: PaymentVoidedSchema,
    message: create(PaymentVoidedSchema, { orderId }),
  });

export const paymentRefunded = (orderId: string, amount: Amount): Envelope =>
  toEnvelope({
    source,
    subject: orderId,
    schema: PaymentRefundedSchema,
    message: create(PaymentRefundedSchema, { orderId, amount }),
  });
