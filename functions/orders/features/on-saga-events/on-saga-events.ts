// The saga's events as steps of the order's state machine: catalog's stock outcomes and
// payments' payment outcomes. Each runs in the consumer's transaction with its inbox record,
// locks the order, and publishes what the change announces in that same transaction.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import * as v from "valibot";
import {
  ReleaseReason,
  ReservationReleasedSchema,
  StockRejectedSchema,
  StockReservedSchema,
  StockReturnedSchema,
} from "../../../gen/catalog/v1/events_pb.js";
import {
  PaymentAuthorizedSchema,
  PaymentDeclinedSchema,
  PaymentRefundedSchema,
} from "../../../gen/payments/v1/events_pb.js";
import { DeclineReason } from "../../../gen/payments/v1/payments_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { type EventContext, type EventHandler, on } from "../../../platform/events/consumer.js";
import type { Logger } from "../../../platform/logger.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import type { schema } from "../../db/schema.js";
import type { Step } from "../../state-machine.js";
import { transition } from "../../transition.js";

type Schema = typeof schema;

export const SAGA_CONSUMER = "order-saga";

export function sagaHandlers(logger: Logger): EventHandler<Schema>[] {
  async function step(
    orderId: string,
    step: Step,
    { tx, envelope, publish }: EventContext<Schema>,
  ) {
    if (!v.is(uuidRule, orderId))
      throw new PoisonMessage(`order id ${JSON.stringify(orderId)} is not a UUID`);
    const moved = await transition(tx, orderId, step);
    if (!moved) {
      // Every saga event answers an OrderPlaced committed with its order: nothing to move.
      logger.warn("saga event for an unknown order", { type: envelope.type, orderId });
      return;
    }
    if (moved.event) await publish(moved.event);
  }

  return [
    on(StockReservedSchema, (event, context) =>
      step(
        event.orderId,
        {
          kind: "stock-reserved",
          expireTime: event.expireTime ? timestampDate(event.expireTime) : undefined,
        },
        context,
      ),
    ),
    on(StockRejectedSchema, (event, context) =>
      step(
        event.orderId,
        {
          kind: "stock-rejected",
          shortLines: event.shortLines.map(({ productId, requested, available }) => ({
            productId,
            requested,
            available,
          })),
        },
        context,
      ),
    ),
    on(ReservationReleasedSchema, async (event, context) => {
      // Released because the order was rejected or cancelled: the consequence of an outcome
      // this service already decided.
      if (event.reason !== ReleaseReason.EXPIRED) return;
      await step(event.orderId, { kind: "reservation-expired" }, context);
    }),
    on(StockReturnedSchema, (event, context) =>
      step(event.orderId, { kind: "stock-returned" }, context),
    ),
    on(PaymentAuthorizedSchema, (event, context) =>
      step(
        event.orderId,
        {
          kind: "payment-authorized",
          reservationExpireTime: event.reservationExpireTime
            ? timestampDate(event.reservationExpireTime)
            : undefined,
        },
        context,
      ),
    ),
    on(PaymentDeclinedSchema, (event, context) =>
      step(
        event.orderId,
        {
          kind: "payment-declined",
          reason:
            event.reason === DeclineReason.INSUFFICIENT_FUNDS
              ? "INSUFFICIENT_FUNDS"
              : "PAYMENT_DECLINED",
        },
        context,
      ),
    ),
    on(PaymentRefundedSchema, (event, context) =>
      step(event.orderId, { kind: "payment-refunded" }, context),
    ),
  ];
}
