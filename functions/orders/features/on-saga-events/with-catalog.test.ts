// The saga between orders and the real catalog: orders' events go to catalog's consumer,
// catalog's stock events come back through its bus to the orders consumer; payments' part is
// played by hand.
import { describe, expect, it } from "vitest";
import { type Order, OrderStatus, RejectionReason } from "../../../gen/orders/v1/orders_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { saga, typeOf, useOrders } from "../../testing.js";

const CUSTOMER = "saga-with-catalog";

describe.each(databaseKinds)("orders and catalog on %s", (kind) => {
  const orders = useOrders(kind);
  const customer = () => orders.client(CUSTOMER);
  const current = async (id: string) => (await customer().getOrder({ id })).order as Order;
  const stockOf = async (id: string) =>
    (await orders.catalog.client.getProduct({ id })).product?.stock;

  /**
   * Hands what orders published about `orderId` since the last call to catalog, then what
   * catalog answered on the orders queue back to orders.
   */
  const exchanged = new Set<string>();
  async function exchange(orderId: string): Promise<string[]> {
    for (const envelope of await orders.published(orderId)) {
      if (exchanged.has(envelope.id)) continue;
      exchanged.add(envelope.id);
      await orders.catalog.deliver(envelope);
    }
    await orders.catalog.drain();
    const answered: string[] = [];
    await orders.catalog.bus.subscriber().drain("orders", async (delivery) => {
      const envelope = JSON.parse(delivery.body);
      answered.push(typeOf(envelope) ?? "");
      await orders.deliver(envelope);
    });
    return answered;
  }

  it("reserves, confirms and commits; a cancel then returns the stock and refunds", async () => {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 3]]);

    expect(await exchange(order.id)).toEqual(["StockReserved"]);
    expect((await current(order.id)).status).toBe(OrderStatus.STOCK_RESERVED);
    expect(await stockOf(product.id)).toBe(97);

    await orders.deliver(saga.paymentAuthorized(order.id));
    expect((await current(order.id)).status).toBe(OrderStatus.CONFIRMED);
    expect(await exchange(order.id)).toEqual([]);

    await customer().cancelOrder({ id: order.id });
    expect(await exchange(order.id)).toEqual(["StockReturned"]);
    expect(await stockOf(product.id)).toBe(100);
    expect((await current(order.id)).status).toBe(OrderStatus.REFUND_PENDING);

    await orders.deliver(saga.paymentRefunded(order.id));
    expect((await current(order.id)).status).toBe(OrderStatus.REFUNDED);
  });

  it("rejects an order catalog cannot fill, naming the short line", async () => {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 101]]);

    expect(await exchange(order.id)).toEqual(["StockRejected"]);
    expect(await current(order.id)).toMatchObject({
      status: OrderStatus.REJECTED,
      rejectionReason: RejectionReason.OUT_OF_STOCK,
      shortLines: [
        expect.objectContaining({ productId: product.id, requested: 101, available: 100 }),
      ],
    });
    expect(await stockOf(product.id)).toBe(100);
  });

  it("releases the stock of an order cancelled before its outcome", async () => {
    const product = await orders.product();
    const order = await orders.place(CUSTOMER, [[product.id, 5]]);
    await exchange(order.id);
    expect(await stockOf(product.id)).toBe(95);

    await customer().cancelOrder({ id: order.id });
    // Released for the cancel: news to orders of an outcome it decided itself.
    expect(await exchange(order.id)).toEqual(["ReservationReleased"]);
    expect(await stockOf(product.id)).toBe(100);
    // The authorization that was on its way changes nothing now.
    await orders.deliver(saga.paymentAuthorized(order.id));
    expect((await current(order.id)).status).toBe(OrderStatus.CANCELLED);
  });
});
