// The orders business counters: each placement and each outcome counted once, however often
// its event is delivered or the request repeated.
import { beforeEach, describe, expect, it } from "vitest";
import { DeclineReason } from "../gen/payments/v1/payments_pb.js";
import { defaultRegistry } from "../platform/metrics/registry.js";
import { databaseKinds } from "../platform/testing/databases.js";
import { saga, useOrders } from "./testing.js";

/** The orders_* counters recorded since the test began, as `name{k=v}` → value. */
function ordersCounters(): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const { name, dimensions, value } of defaultRegistry.snapshot().counters) {
    if (!name.startsWith("orders_")) continue;
    const labels = Object.entries(dimensions).map(([k, v]) => `${k}=${v}`);
    counted[labels.length > 0 ? `${name}{${labels.join(",")}}` : name] = value;
  }
  return counted;
}

describe.each(databaseKinds)("orders metrics on %s", (kind) => {
  const orders = useOrders(kind);
  const CUSTOMER = "counted";
  beforeEach(() => defaultRegistry.reset());

  it("counts a placement once per idempotency key, after it commits", async () => {
    const product = await orders.product();
    const request = {
      lines: [{ productId: product.id, quantity: 1 }],
      paymentToken: "tok_success",
      idempotencyKey: "metrics-key",
    };
    const first = await orders.client(CUSTOMER).placeOrder(request);
    const replay = await orders.client(CUSTOMER).placeOrder(request);
    expect(replay.order?.id).toBe(first.order?.id);
    expect(ordersCounters()).toEqual({ orders_placed_total: 1 });
    await orders.place(CUSTOMER, [[product.id, 1]]);
    expect(ordersCounters()).toEqual({ orders_placed_total: 2 });
  });

  it("counts one placement for requests racing with one key", async () => {
    const product = await orders.product();
    const request = {
      lines: [{ productId: product.id, quantity: 1 }],
      paymentToken: "tok_success",
      idempotencyKey: "racing-key",
    };
    const answers = await Promise.all(
      [1, 2, 3].map(() => orders.client(CUSTOMER).placeOrder(request)),
    );
    expect(new Set(answers.map((answer) => answer.order?.id)).size).toBe(1);
    expect(ordersCounters()).toEqual({ orders_placed_total: 1 });
  });

  it("counts a confirmation, a cancel and a refund once each, with every event delivered twice", async () => {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 1]]);
    const reserved = saga.stockReserved(order.id);
    const authorized = saga.paymentAuthorized(order.id);
    // The redelivery of one envelope, then the same fact told again in a new one.
    await orders.deliver(reserved, reserved, authorized, authorized);
    await orders.deliver(saga.paymentAuthorized(order.id));
    expect(ordersCounters()).toEqual({ orders_placed_total: 1, orders_confirmed_total: 1 });

    await orders.client(CUSTOMER).cancelOrder({ id: order.id });
    await orders.client(CUSTOMER).cancelOrder({ id: order.id });
    const refunded = saga.paymentRefunded(order.id);
    const returned = saga.stockReturned(order.id);
    await orders.deliver(refunded, refunded, returned, returned, saga.stockReturned(order.id));
    expect(ordersCounters()).toEqual({
      orders_placed_total: 1,
      orders_confirmed_total: 1,
      "orders_cancelled_total{status=refund_pending}": 1,
      orders_refunded_total: 1,
    });
  });

  it("counts a rejection once, by its reason, whatever arrives after it", async () => {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 1]]);
    const declined = saga.paymentDeclined(order.id, DeclineReason.INSUFFICIENT_FUNDS);
    await orders.deliver(
      declined,
      declined,
      saga.stockRejected(order.id),
      saga.stockReserved(order.id),
    );
    const late = await orders.place(CUSTOMER, [[product.id, 1]]);
    await orders.deliver(saga.stockRejected(late.id), saga.stockRejected(late.id));
    expect(ordersCounters()).toEqual({
      orders_placed_total: 2,
      "orders_rejected_total{reason=insufficient_funds}": 1,
      "orders_rejected_total{reason=out_of_stock}": 1,
    });
  });

  it("counts a cancel before the outcome once, and nothing the late events try", async () => {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 1]]);
    await orders.client(CUSTOMER).cancelOrder({ id: order.id });
    await orders.client(CUSTOMER).cancelOrder({ id: order.id });
    await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
    expect(ordersCounters()).toEqual({
      orders_placed_total: 1,
      "orders_cancelled_total{status=cancelled}": 1,
    });
  });
});
