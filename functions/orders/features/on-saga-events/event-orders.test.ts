// Delivery is at least once and in no particular order: every order in which the saga's events
// can arrive, each delivered twice (the same envelope again, and the same news in a new
// envelope), ends in the same state and announces each outcome exactly once.
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { type Order, OrderStatus, RejectionReason } from "../../../gen/orders/v1/orders_pb.js";
import type { Envelope } from "../../../platform/events/envelope.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { saga, typeOf, useOrders } from "../../testing.js";

const CUSTOMER = "ordering-customer";

type MakeEvent = (orderId: string) => Envelope;

/** Every order of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, index) =>
    permutations([...items.slice(0, index), ...items.slice(index + 1)]).map((tail) => [
      item,
      ...tail,
    ]),
  );
}

/** One delivery: event `index`, in its first envelope or in a second one (a new id). */
interface Slot {
  index: number;
  copy: boolean;
}

/**
 * For each order of `count` events, two ways of seeing each twice: all once then all again in
 * new envelopes backwards, and each followed at once by its repeat.
 */
function deliveries(count: number): Slot[][] {
  const indexes = Array.from({ length: count }, (_, index) => index);
  return permutations(indexes).flatMap((order) => [
    [
      ...order.map((index) => ({ index, copy: false })),
      ...[...order].reverse().map((index) => ({ index, copy: true })),
    ],
    order.flatMap((index) => [
      { index, copy: false },
      { index, copy: true },
    ]),
  ]);
}

describe.each(databaseKinds)("the saga's events in every order on %s", (kind) => {
  const orders = useOrders(kind);
  const customer = orders.client.bind(orders, CUSTOMER);
  let productId = "";

  async function newOrder(): Promise<Order> {
    if (!productId) productId = (await orders.product({ amountMinor: 300n })).id;
    return orders.place(CUSTOMER, [[productId, 1]]);
  }
  const current = async (id: string) => (await customer().getOrder({ id })).order as Order;
  const outcomes = async (id: string) =>
    (await orders.published(id))
      .map(typeOf)
      .filter((type) => type !== "OrderPlaced")
      .sort();

  /**
   * For every way `events` can arrive (see `deliveries`), an order from `prepare` receives them,
   * then every one of them again (the same envelopes); answers each order's end state.
   */
  async function everyArrangement(
    events: MakeEvent[],
    prepare: () => Promise<Order> = newOrder,
  ): Promise<{ state: object; outcomes: (string | undefined)[] }[]> {
    const results = [];
    for (const pattern of deliveries(events.length)) {
      const order = await prepare();
      const first = events.map((make) => make(order.id));
      // The same news in an envelope of its own: a new id the inbox has not seen.
      const again = first.map((envelope) => ({ ...envelope, id: uuidv7() }));
      const envelopes = pattern.map(({ index, copy }) => (copy ? again : first)[index] as Envelope);
      await orders.deliver(...envelopes);
      await orders.deliver(...envelopes);
      const after = await current(order.id);
      results.push({
        state: {
          status: after.status,
          rejectionReason: after.rejectionReason,
          shortLines: after.shortLines,
          lines: after.lines,
          total: after.total,
          revisionCountsHistory: after.history.length === after.revision,
        },
        outcomes: await outcomes(order.id),
      });
    }
    return results;
  }

  function expectAllAlike(
    results: { state: object; outcomes: (string | undefined)[] }[],
    expected: { status: OrderStatus; rejectionReason?: RejectionReason; outcomes: string[] },
  ) {
    expect(results.length).toBeGreaterThan(1);
    for (const result of results) {
      expect(result.state).toMatchObject({
        status: expected.status,
        rejectionReason: expected.rejectionReason ?? RejectionReason.UNSPECIFIED,
        revisionCountsHistory: true,
      });
      expect(result.state).toEqual(results[0]?.state);
      expect(result.outcomes).toEqual(expected.outcomes);
    }
  }

  it("confirms whether the stock or the payment arrives first", async () => {
    const results = await everyArrangement([saga.stockReserved, saga.paymentAuthorized]);
    expectAllAlike(results, { status: OrderStatus.CONFIRMED, outcomes: ["OrderConfirmed"] });
  });

  it("rejects a declined payment whatever arrives first", async () => {
    const results = await everyArrangement([saga.stockReserved, saga.paymentDeclined]);
    expectAllAlike(results, {
      status: OrderStatus.REJECTED,
      rejectionReason: RejectionReason.PAYMENT_DECLINED,
      outcomes: ["OrderRejected"],
    });
  });

  it("rejects an expired reservation whatever arrives first, the late authorization included", async () => {
    const past = new Date(Date.now() - 60_000);
    const results = await everyArrangement([
      (id) => saga.stockReserved(id, past),
      saga.reservationReleased,
      (id) => saga.paymentAuthorized(id, past),
    ]);
    expectAllAlike(results, {
      status: OrderStatus.REJECTED,
      rejectionReason: RejectionReason.RESERVATION_EXPIRED,
      outcomes: ["OrderRejected"],
    });
  });

  it("refunds a cancelled confirmed order whether the refund or the return arrives first", async () => {
    const confirmedThenCancelled = async () => {
      const order = await newOrder();
      await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
      await customer().cancelOrder({ id: order.id });
      return order;
    };
    const results = await everyArrangement(
      [saga.paymentRefunded, saga.stockReturned],
      confirmedThenCancelled,
    );
    expectAllAlike(results, {
      status: OrderStatus.REFUNDED,
      outcomes: ["OrderCancelled", "OrderConfirmed", "OrderRefunded"],
    });
  });

  it("keeps a cancelled order cancelled whatever arrives after the cancel", async () => {
    const cancelled = async () => {
      const order = await newOrder();
      await customer().cancelOrder({ id: order.id });
      return order;
    };
    const results = await everyArrangement(
      [saga.stockReserved, saga.stockRejected, saga.paymentAuthorized],
      cancelled,
    );
    expectAllAlike(results, { status: OrderStatus.CANCELLED, outcomes: ["OrderCancelled"] });
  });

  it("lets concurrent events of one order take turns on its row", async () => {
    const placed = await Promise.all(Array.from({ length: 6 }, () => newOrder()));
    await Promise.all(
      placed.flatMap((order) => [
        orders.deliver(saga.stockReserved(order.id)),
        orders.deliver(saga.paymentAuthorized(order.id)),
        orders.deliver(saga.paymentAuthorized(order.id)),
      ]),
    );
    for (const order of placed) {
      const after = await current(order.id);
      expect(after.status).toBe(OrderStatus.CONFIRMED);
      expect(after.revision).toBe(after.history.length);
      expect(await outcomes(order.id)).toEqual(["OrderConfirmed"]);
    }
  });
});
