import { create } from "@bufbuild/protobuf";
import { eq } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { OrderPlacedSchema } from "../../../gen/orders/v1/events_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import { type Envelope, toEnvelope } from "../../../platform/events/envelope.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { orderSummaries } from "../../db/schema.js";
import { saga, typeOf, useOrders } from "../../testing.js";

describe.each(databaseKinds)("order summaries projection on %s", (kind) => {
  const orders = useOrders(kind);

  const summaryOf = async (id: string) =>
    (await orders.db.select().from(orderSummaries).where(eq(orderSummaries.orderId, id)))[0];

  /** An order through placed, confirmed, cancelled and refunded; its events not yet applied. */
  async function orderWithHistory(): Promise<{ id: string; events: Envelope[] }> {
    await orders.drain();
    const product = await orders.product();
    const order = await orders.place("projected", [[product.id, 1]]);
    await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
    await orders.client("projected").cancelOrder({ id: order.id });
    await orders.deliver(saga.paymentRefunded(order.id), saga.stockReturned(order.id));
    const events = await orders.published(order.id);
    expect(events.map(typeOf)).toEqual([
      "OrderPlaced",
      "OrderConfirmed",
      "OrderCancelled",
      "OrderRefunded",
    ]);
    return { id: order.id, events };
  }

  it("keeps the newest revision whatever order the events arrive in, and twice over", async () => {
    const { id, events } = await orderWithHistory();
    const [placed, confirmed, cancelled, refunded] = events as [
      Envelope,
      Envelope,
      Envelope,
      Envelope,
    ];
    await orders.deliver(cancelled, placed, refunded, confirmed, placed, refunded);
    expect(await summaryOf(id)).toMatchObject({ status: "REFUNDED", revision: 5 });
  });

  it("never moves a summary back to an older revision", async () => {
    const { id, events } = await orderWithHistory();
    const [placed, confirmed, cancelled] = events as [Envelope, Envelope, Envelope];
    await orders.deliver(cancelled);
    expect(await summaryOf(id)).toMatchObject({ status: "REFUND_PENDING", revision: 4 });
    await orders.deliver(confirmed, placed);
    expect(await summaryOf(id)).toMatchObject({ status: "REFUND_PENDING", revision: 4 });
  });

  it("dead-letters an event without a complete order", async () => {
    const broken = toEnvelope({
      source: "orders",
      subject: uuidv7(),
      schema: OrderPlacedSchema,
      message: create(OrderPlacedSchema, { paymentToken: "tok_success" }),
    });
    await expect(orders.deliver(broken)).rejects.toBeInstanceOf(PoisonMessage);
  });
});
