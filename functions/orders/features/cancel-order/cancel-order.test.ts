import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { OrderCancelledSchema } from "../../../gen/orders/v1/events_pb.js";
import { type Order, OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { decodeEvent, type Envelope } from "../../../platform/events/envelope.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { saga, typeOf, useOrders } from "../../testing.js";

const CUSTOMER = "canceller";

describe.each(databaseKinds)("CancelOrder on %s", (kind) => {
  const orders = useOrders(kind);
  const client = () => orders.client(CUSTOMER);
  const cancel = async (id: string) => (await client().cancelOrder({ id })).order as Order;
  const failure = (id: string, customer = CUSTOMER) =>
    orders
      .client(customer)
      .cancelOrder({ id })
      .then(
        () => expect.fail("expected the call to fail"),
        (error: unknown) => ConnectError.from(error),
      );
  const cancellations = async (id: string) =>
    (await orders.published(id)).filter((envelope) => typeOf(envelope) === "OrderCancelled");

  /** An order placed and moved by `events` (each made for its id). */
  async function orderAfter(...events: ((id: string) => Envelope)[]): Promise<Order> {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 1]]);
    await orders.deliver(...events.map((make) => make(order.id)));
    return (await client().getOrder({ id: order.id })).order as Order;
  }

  it("cancels a PENDING or STOCK_RESERVED order: CANCELLED, announced with the whole order", async () => {
    for (const order of [await orderAfter(), await orderAfter(saga.stockReserved)]) {
      const cancelled = await cancel(order.id);
      expect(cancelled.status).toBe(OrderStatus.CANCELLED);
      expect(cancelled.revision).toBe(order.revision + 1);
      expect(cancelled.history.at(-1)?.status).toBe(OrderStatus.CANCELLED);
      const published = await cancellations(order.id);
      expect(published).toHaveLength(1);
      expect(decodeEvent(published[0] as Envelope, OrderCancelledSchema).order).toEqual(cancelled);
    }
  });

  it("cancels a CONFIRMED order into REFUND_PENDING, announced as OrderCancelled", async () => {
    const order = await orderAfter(saga.stockReserved, saga.paymentAuthorized);
    const cancelled = await cancel(order.id);
    expect(cancelled.status).toBe(OrderStatus.REFUND_PENDING);
    const [event] = await cancellations(order.id);
    expect(decodeEvent(event as Envelope, OrderCancelledSchema).order?.status).toBe(
      OrderStatus.REFUND_PENDING,
    );
  });

  it("answers a CANCELLED or REFUND_PENDING order as it is, changing and announcing nothing", async () => {
    const pending = await orderAfter();
    const confirmed = await orderAfter(saga.stockReserved, saga.paymentAuthorized);
    for (const order of [pending, confirmed]) {
      const first = await cancel(order.id);
      expect(await cancel(order.id)).toEqual(first);
      expect(await cancellations(order.id)).toHaveLength(1);
    }
  });

  it("answers FailedPrecondition for a REJECTED or REFUNDED order", async () => {
    const rejected = await orderAfter(saga.paymentDeclined);
    const refunded = await orderAfter(saga.stockReserved, saga.paymentAuthorized);
    await cancel(refunded.id);
    await orders.deliver(saga.paymentRefunded(refunded.id), saga.stockReturned(refunded.id));
    for (const [order, status] of [
      [rejected, OrderStatus.REJECTED],
      [refunded, OrderStatus.REFUNDED],
    ] as const) {
      const error = await failure(order.id);
      expect(error.code).toBe(Code.FailedPrecondition);
      const { order: after } = await client().getOrder({ id: order.id });
      expect(after?.status).toBe(status);
    }
  });

  it("answers NotFound for another customer's order and leaves it alone", async () => {
    const order = await orderAfter();
    const error = await failure(order.id, "mallory");
    expect(error.code).toBe(Code.NotFound);
    const { order: after } = await client().getOrder({ id: order.id });
    expect(after).toEqual(order);
    expect(await cancellations(order.id)).toEqual([]);
  });

  it("cancels once when asked twice at the same time", async () => {
    const order = await orderAfter(saga.stockReserved);
    const answers = await Promise.all([cancel(order.id), cancel(order.id), cancel(order.id)]);
    expect(new Set(answers.map((answer) => answer.revision))).toEqual(
      new Set([order.revision + 1]),
    );
    expect(await cancellations(order.id)).toHaveLength(1);
  });
});
