// Each row of the doc's table (docs/order-saga.md, "orders") through the real consumer: the
// order's new status, its history and revision, and the one event announcing it.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { describe, expect, it } from "vitest";
import { ReleaseReason } from "../../../gen/catalog/v1/events_pb.js";
import {
  OrderConfirmedSchema,
  OrderRefundedSchema,
  OrderRejectedSchema,
} from "../../../gen/orders/v1/events_pb.js";
import { type Order, OrderStatus, RejectionReason } from "../../../gen/orders/v1/orders_pb.js";
import { DeclineReason } from "../../../gen/payments/v1/payments_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { decodeEvent, type Envelope } from "../../../platform/events/envelope.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { saga, typeOf, useOrders } from "../../testing.js";

const CUSTOMER = "saga-customer";
const PAST = () => new Date(Date.now() - 1000);

describe.each(databaseKinds)("the saga's events on %s", (kind) => {
  const orders = useOrders(kind);
  const customer = orders.client.bind(orders, CUSTOMER);

  async function newOrder(): Promise<Order> {
    const product = await orders.product({ amountMinor: 700n });
    return orders.place(CUSTOMER, [[product.id, 3]]);
  }
  const current = async (id: string) => (await customer().getOrder({ id })).order as Order;
  /** What the order published besides OrderPlaced. */
  const outcomes = async (id: string) =>
    (await orders.published(id)).filter((envelope) => typeOf(envelope) !== "OrderPlaced");
  const statuses = (order: Order) => order.history.map((change) => OrderStatus[change.status]);

  /** An order moved to CONFIRMED, then cancelled into REFUND_PENDING. */
  async function refundPendingOrder(): Promise<Order> {
    const order = await newOrder();
    await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
    await customer().cancelOrder({ id: order.id });
    return current(order.id);
  }

  it("StockReserved: PENDING becomes STOCK_RESERVED, announcing nothing", async () => {
    const order = await newOrder();
    await orders.deliver(saga.stockReserved(order.id));
    const after = await current(order.id);
    expect(after.status).toBe(OrderStatus.STOCK_RESERVED);
    expect(after.revision).toBe(2);
    expect(statuses(after)).toEqual(["PENDING", "STOCK_RESERVED"]);
    expect(await outcomes(order.id)).toEqual([]);
  });

  it("PaymentAuthorized in time: CONFIRMED, with OrderConfirmed carrying the whole order", async () => {
    for (const first of [[saga.stockReserved], []]) {
      const order = await newOrder();
      for (const make of first) await orders.deliver(make(order.id));
      await orders.deliver(saga.paymentAuthorized(order.id));
      const after = await current(order.id);
      expect(after.status).toBe(OrderStatus.CONFIRMED);
      expect(after.revision).toBe(after.history.length);
      const published = await outcomes(order.id);
      expect(published.map(typeOf)).toEqual(["OrderConfirmed"]);
      expect(decodeEvent(published[0] as Envelope, OrderConfirmedSchema).order).toEqual(after);
    }
  });

  it("PaymentAuthorized past the reservation's expiry: REJECTED (RESERVATION_EXPIRED)", async () => {
    const order = await newOrder();
    await orders.deliver(saga.stockReserved(order.id, PAST()));
    await orders.deliver(saga.paymentAuthorized(order.id, PAST()));
    const after = await current(order.id);
    expect(after).toMatchObject({
      status: OrderStatus.REJECTED,
      rejectionReason: RejectionReason.RESERVATION_EXPIRED,
    });
    const published = await outcomes(order.id);
    expect(published.map(typeOf)).toEqual(["OrderRejected"]);
    expect(decodeEvent(published[0] as Envelope, OrderRejectedSchema).order).toEqual(after);
  });

  it("StockRejected in PENDING or STOCK_RESERVED: REJECTED (OUT_OF_STOCK) with the short lines", async () => {
    for (const first of [[], [saga.stockReserved]]) {
      const order = await newOrder();
      for (const make of first) await orders.deliver(make(order.id));
      const productId = order.lines[0]?.productId ?? "";
      await orders.deliver(
        saga.stockRejected(order.id, [{ productId, requested: 3, available: 1 }]),
      );
      const after = await current(order.id);
      expect(after).toMatchObject({
        status: OrderStatus.REJECTED,
        rejectionReason: RejectionReason.OUT_OF_STOCK,
        shortLines: [expect.objectContaining({ productId, requested: 3, available: 1 })],
      });
      expect((await outcomes(order.id)).map(typeOf)).toEqual(["OrderRejected"]);
    }
  });

  it("PaymentDeclined: REJECTED for the decline's reason", async () => {
    for (const [reason, expected] of [
      [DeclineReason.DECLINED, RejectionReason.PAYMENT_DECLINED],
      [DeclineReason.INSUFFICIENT_FUNDS, RejectionReason.INSUFFICIENT_FUNDS],
    ] as const) {
      const order = await newOrder();
      await orders.deliver(saga.stockReserved(order.id), saga.paymentDeclined(order.id, reason));
      expect(await current(order.id)).toMatchObject({
        status: OrderStatus.REJECTED,
        rejectionReason: expected,
      });
      expect((await outcomes(order.id)).map(typeOf)).toEqual(["OrderRejected"]);
    }
  });

  it("ReservationReleased EXPIRED: REJECTED (RESERVATION_EXPIRED); other reasons change nothing", async () => {
    const order = await newOrder();
    await orders.deliver(saga.stockReserved(order.id));
    await orders.deliver(
      saga.reservationReleased(order.id, ReleaseReason.ORDER_CANCELLED),
      saga.reservationReleased(order.id, ReleaseReason.ORDER_REJECTED),
    );
    expect((await current(order.id)).status).toBe(OrderStatus.STOCK_RESERVED);

    await orders.deliver(saga.reservationReleased(order.id, ReleaseReason.EXPIRED));
    expect(await current(order.id)).toMatchObject({
      status: OrderStatus.REJECTED,
      rejectionReason: RejectionReason.RESERVATION_EXPIRED,
    });
    expect((await outcomes(order.id)).map(typeOf)).toEqual(["OrderRejected"]);
  });

  it("PaymentRefunded and StockReturned: REFUNDED once both have arrived, announced once", async () => {
    const order = await refundPendingOrder();
    expect(order.status).toBe(OrderStatus.REFUND_PENDING);

    await orders.deliver(saga.paymentRefunded(order.id));
    const half = await current(order.id);
    expect(half.status).toBe(OrderStatus.REFUND_PENDING);
    // Half a refund is no change of the order's status: same revision, nothing announced.
    expect(half.revision).toBe(order.revision);

    await orders.deliver(saga.stockReturned(order.id));
    const after = await current(order.id);
    expect(after.status).toBe(OrderStatus.REFUNDED);
    expect(statuses(after)).toEqual([
      "PENDING",
      "STOCK_RESERVED",
      "CONFIRMED",
      "REFUND_PENDING",
      "REFUNDED",
    ]);
    const published = await outcomes(order.id);
    expect(published.map(typeOf)).toEqual(["OrderConfirmed", "OrderCancelled", "OrderRefunded"]);
    expect(decodeEvent(published[2] as Envelope, OrderRefundedSchema).order).toEqual(after);
  });

  it("changes nothing for a refund or a return outside REFUND_PENDING", async () => {
    const order = await newOrder();
    await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
    const confirmed = await current(order.id);
    await orders.deliver(saga.paymentRefunded(order.id), saga.stockReturned(order.id));
    expect(await current(order.id)).toEqual(confirmed);
  });

  it("changes nothing after an outcome: late stock and payment events are ignored", async () => {
    const order = await newOrder();
    await orders.deliver(saga.paymentDeclined(order.id));
    const rejected = await current(order.id);
    await orders.deliver(
      saga.stockReserved(order.id),
      saga.paymentAuthorized(order.id),
      saga.stockRejected(order.id),
      saga.reservationReleased(order.id),
    );
    expect(await current(order.id)).toEqual(rejected);
    expect((await outcomes(order.id)).map(typeOf)).toEqual(["OrderRejected"]);
  });

  it("records each change's time in the history, and moves update_time with it", async () => {
    const order = await newOrder();
    await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
    const after = await current(order.id);
    const times = after.history.map((change) =>
      timestampDate(change.changeTime ?? expect.fail("no change_time")).getTime(),
    );
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(after.history.at(-1)?.changeTime).toEqual(after.updateTime);
    expect(after.createTime).toEqual(order.createTime);
  });

  it("ignores an event about an unknown order", async () => {
    const unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    await orders.deliver(saga.stockReserved(unknown), saga.paymentAuthorized(unknown));
    expect(await orders.published(unknown)).toEqual([]);
  });

  it("dead-letters an event whose order id is not a UUID", async () => {
    await expect(orders.deliver(saga.stockReserved("not-a-uuid"))).rejects.toBeInstanceOf(
      PoisonMessage,
    );
  });
});
