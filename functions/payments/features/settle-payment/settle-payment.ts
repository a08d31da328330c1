// The payment side of the order saga: one consumer on the payments queue applies the orders and
// stock events to the order's payment (rules.ts), talks to the provider and answers with the
// payments events, all in the event's transaction (the inbox record, the payment, its ledger
// rows and the outbox commit together or not at all).
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { eq } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import * as v from "valibot";
import { StockReservedSchema } from "../../../gen/catalog/v1/events_pb.js";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRejectedSchema,
} from "../../../gen/orders/v1/events_pb.js";
import { type Order, OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { type EventContext, type EventHandler, on } from "../../../platform/events/consumer.js";
import type { Envelope } from "../../../platform/events/envelope.js";
import type { Logger } from "../../../platform/logger.js";
import { metrics } from "../../../platform/metrics.js";
import { uuidRule } from "../../../platform/validation/rules.js";
import {
  type DeclineReasonName,
  type LedgerRow,
  ledger,
  type PaymentRow,
  payments,
  type schema,
} from "../../db/schema.js";
import {
  paymentAuthorized,
  paymentCaptured,
  paymentDeclined,
  paymentRefunded,
  paymentVoided,
} from "../../events.js";
import {
  type Amount,
  idempotencyKey,
  type PaymentProvider,
  type ProviderFor,
} from "../../provider/provider.js";
import { type Facts, learn, nextStep, type Step } from "./rules.js";

type Schema = typeof schema;
type Context = EventContext<Schema>;

/** Names this consumer in the inbox; keep it stable. */
export const SETTLEMENT_CONSUMER = "payment-settlement";

export interface SettlementDeps {
  providerFor: ProviderFor;
  logger: Logger;
}

export function settlementHandlers({
  providerFor,
  logger,
}: SettlementDeps): EventHandler<Schema>[] {
  const settle = async (orderId: string, facts: Facts, context: Context) => {
    if (!v.is(uuidRule, orderId)) throw new PoisonMessage(`order id ${orderId} is not a UUID`);
    const { tx, publish } = context;
    await tx.insert(payments).values({ orderId }).onConflictDoNothing();
    // The row lock orders concurrent events of one order; each sees what the other committed.
    const [stored] = await tx
      .select()
      .from(payments)
      .where(eq(payments.orderId, orderId))
      .for("update");
    if (!stored) throw new Error(`payment ${orderId} vanished`);
    const work = new Settlement(learn(stored, facts), providerFor(tx));
    for (let step = nextStep(work.state), taken = 0; step; step = nextStep(work.state)) {
      if (++taken > 3) throw new Error(`payment ${orderId} does not settle (last step ${step})`);
      await work.take(step);
    }
    const { state } = work;
    if (
      state.status === "pending" &&
      state.outcome !== stored.outcome &&
      (state.outcome === "confirmed" || state.outcome === "refund_requested")
    ) {
      // Orders confirms only on our PaymentAuthorized, committed with the authorization.
      logger.error("order confirmed without an authorization", { orderId });
    }
    if (!work.changed(stored)) return;
    const { orderId: _id, createdAt: _created, ...changes } = state;
    await tx
      .update(payments)
      .set({ ...changes, updatedAt: new Date() })
      .where(eq(payments.orderId, orderId));
    if (work.movements.length > 0) await tx.insert(ledger).values(work.movements);
    await publish(...work.events);
    // Last in the handler: a crash before it (the provider's, say) rolls back and counts nothing.
    for (const outcome of work.outcomes) metrics.count("payments_total", { outcome });
  };

  /** Every orders event carries the whole order: its customer and amount are facts too. */
  const settleOrder = (order: Order | undefined, facts: Facts, context: Context) => {
    const total = order?.total;
    if (!order || !total || order.customerId === "") {
      throw new PoisonMessage("event carries no complete order");
    }
    if (total.amountMinor < 0n || !/^[A-Z]{3}$/.test(total.currency)) {
      throw new PoisonMessage(`order ${order.id} has an invalid total`);
    }
    const amount = { amountMinor: total.amountMinor, currency: total.currency };
    return settle(order.id, { ...facts, customerId: order.customerId, amount }, context);
  };

  return [
    on(OrderPlacedSchema, (event, context) =>
      settleOrder(event.order, { paymentToken: event.paymentToken }, context),
    ),
    on(StockReservedSchema, (event, context) => {
      if (!event.expireTime) throw new PoisonMessage("StockReserved carries no expire_time");
      const reservationExpiresAt = timestampDate(event.expireTime);
      return settle(event.orderId, { reservationExpiresAt }, context);
    }),
    on(OrderConfirmedSchema, (event, context) =>
      settleOrder(event.order, { outcome: "confirmed" }, context),
    ),
    on(OrderRejectedSchema, (event, context) =>
      settleOrder(event.order, { outcome: "rejected" }, context),
    ),
    on(OrderCancelledSchema, (event, context) => {
      // Before an outcome the order is CANCELLED; after its confirmation, REFUND_PENDING.
      const status = event.order?.status;
      if (status === OrderStatus.CANCELLED) {
        return settleOrder(event.order, { outcome: "cancelled" }, context);
      }
      if (status === OrderStatus.REFUND_PENDING) {
        return settleOrder(event.order, { outcome: "refund_requested" }, context);
      }
      throw new PoisonMessage(`OrderCancelled with order status ${status}`);
    }),
  ];
}

type State = PaymentRow;

type PaymentOutcome = "authorized" | DeclineReasonName | "captured" | "voided" | "refunded";

/** One event's work on a payment: the state it moves to, its ledger rows and its events. */
class Settlement {
  state: State;
  readonly movements: (typeof ledger.$inferInsert)[] = [];
  readonly events: Envelope[] = [];
  /** What the provider did, for the payments_total metric. */
  readonly outcomes: PaymentOutcome[] = [];

  constructor(
    state: State,
    private readonly provider: PaymentProvider,
  ) {
    this.state = state;
  }

  changed(stored: State): boolean {
    return (Object.keys(stored) as (keyof State)[]).some((key) => {
      const before = stored[key];
      const after = this.state[key];
      return before instanceof Date && after instanceof Date
        ? before.getTime() !== after.getTime()
        : before !== after;
    });
  }

  async take(step: Step): Promise<void> {
    const { orderId } = this.state;
    switch (step) {
      case "authorize": {
        const token = this.state.paymentToken ?? "";
        const amount = this.amount();
        const expiresAt = this.state.reservationExpiresAt;
        if (!expiresAt) throw new Error(`payment ${orderId}: no reservation to authorize for`);
        const authorization = await this.provider.authorize({
          idempotencyKey: idempotencyKey(orderId, "authorize"),
          token,
          amount,
        });
        if (authorization.approved) {
          this.state = {
            ...this.state,
            status: "authorized",
            authorizationId: authorization.authorizationId,
          };
          this.events.push(paymentAuthorized(orderId, amount, expiresAt));
          this.outcomes.push("authorized");
        } else {
          this.state = { ...this.state, status: "declined", declineReason: authorization.reason };
          this.events.push(paymentDeclined(orderId, authorization.reason));
          this.outcomes.push(authorization.reason);
        }
        return;
      }
      case "capture":
        await this.capture();
        this.events.push(paymentCaptured(orderId, this.amount()));
        return;
      case "void":
        await this.provider.void({
          idempotencyKey: idempotencyKey(orderId, "void"),
          authorizationId: this.authorizationId(),
        });
        this.state = { ...this.state, status: "voided" };
        this.events.push(paymentVoided(orderId));
        this.outcomes.push("voided");
        return;
      case "capture-and-refund":
        await this.capture();
        await this.refund();
        return;
      case "refund":
        await this.refund();
        return;
      case "cancel":
        this.state = { ...this.state, status: "cancelled" };
        return;
    }
  }

  private async capture(): Promise<void> {
    const amount = this.amount();
    await this.provider.capture({
      idempotencyKey: idempotencyKey(this.state.orderId, "capture"),
      authorizationId: this.authorizationId(),
      amount,
    });
    this.state = {
      ...this.state,
      status: "captured",
      capturedMinor: this.state.capturedMinor + amount.amountMinor,
    };
    this.move("capture", amount);
    this.outcomes.push("captured");
  }

  private async refund(): Promise<void> {
    const amount = { amountMinor: this.state.capturedMinor, currency: this.amount().currency };
    await this.provider.refund({
      idempotencyKey: idempotencyKey(this.state.orderId, "refund"),
      authorizationId: this.authorizationId(),
      amount,
    });
    this.state = {
      ...this.state,
      status: "refunded",
      refundedMinor: this.state.refundedMinor + amount.amountMinor,
    };
    this.move("refund", amount);
    this.outcomes.push("refunded");
    this.events.push(paymentRefunded(this.state.orderId, amount));
  }

  /** A ledger row; an order of nothing moves no money and leaves none. */
  private move(kind: LedgerRow["kind"], amount: Amount): void {
    if (amount.amountMinor === 0n) return;
    this.movements.push({ id: uuidv7(), orderId: this.state.orderId, kind, ...amount });
  }

  private amount(): Amount {
    const { amountMinor, currency } = this.state;
    if (amountMinor === null || currency === null) {
      throw new Error(`payment ${this.state.orderId}: amount unknown`);
    }
    return { amountMinor, currency };
  }

  private authorizationId(): string {
    if (!this.state.authorizationId) {
      throw new Error(`payment ${this.state.orderId}: no authorization`);
    }
    return this.state.authorizationId;
  }
}
