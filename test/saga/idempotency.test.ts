// PlaceOrder's Idempotency-Key across the whole saga: a customer's request repeated with the
// same key, one after the other or all at once, makes one order, announces it once (one
// OrderPlaced in the orders outbox), reserves its stock once and charges it once.
import { randomUUID } from "node:crypto";
import { eq, inArray } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { reservations } from "../../functions/catalog/db/schema.js";
import { OrderPlacedSchema } from "../../functions/gen/orders/v1/events_pb.js";
import { OrderStatus } from "../../functions/gen/orders/v1/orders_pb.js";
import {
  idempotencyKeys,
  orderRows,
  outbox as ordersOutbox,
} from "../../functions/orders/db/schema.js";
import { ledger, payments } from "../../functions/payments/db/schema.js";
import { decodeEvent, type Envelope } from "../../functions/platform/events/envelope.js";
import { databaseKinds } from "../../functions/platform/testing/databases.js";
import { type Saga, useSaga } from "./harness.js";

const STOCK = 10;
const QUANTITY = 3;
const PRICE = 900n;

/** The customer made one order, announced, reserved and charged once; answers it. */
async function expectOneOfEverything(saga: Saga, customer: string, productId: string) {
  const made = await saga.orders.db
    .select()
    .from(orderRows)
    .where(eq(orderRows.customerId, customer));
  expect(made).toHaveLength(1);
  const orderId = made[0]?.id ?? "";
  const [final] = (await saga.settled([orderId])).values();
  expect(final?.status).toBe("CONFIRMED");

  const keys = await saga.orders.db
    .select()
    .from(idempotencyKeys)
    .where(eq(idempotencyKeys.customerId, customer));
  expect(keys.map((key) => key.orderId)).toEqual([orderId]);

  const placedEvents = (
    await saga.orders.db
      .select()
      .from(ordersOutbox)
      .where(eq(ordersOutbox.type, OrderPlacedSchema.typeName))
  )
    .map((row) => decodeEvent(JSON.parse(row.envelope) as Envelope, OrderPlacedSchema))
    .filter((event) => event.order?.customerId === customer);
  expect(placedEvents.map((event) => event.order?.id)).toEqual([orderId]);

  const held = await saga.catalog.db
    .select()
    .from(reservations)
    .where(eq(reservations.orderId, orderId));
  expect(held.map((row) => row.status)).toEqual(["committed"]);
  expect(await saga.stockOf(productId)).toBe(STOCK - QUANTITY);

  const charged = await saga.payments.db
    .select()
    .from(payments)
    .where(eq(payments.customerId, customer));
  expect(charged).toEqual([
    expect.objectContaining({
      orderId,
      status: "captured",
      amountMinor: PRICE * BigInt(QUANTITY),
      capturedMinor: PRICE * BigInt(QUANTITY),
    }),
  ]);
  const moved = await saga.payments.db
    .select()
    .from(ledger)
    .where(
      inArray(
        ledger.orderId,
        charged.map((row) => row.orderId),
      ),
    );
  expect(moved).toEqual([
    expect.objectContaining({ orderId, kind: "capture", amountMinor: PRICE * BigInt(QUANTITY) }),
  ]);
  return orderId;
}

describe.each(databaseKinds)("%s: an Idempotency-Key across the saga", (kind) => {
  const saga = useSaga(kind);
  const request = (productId: string) => ({
    lines: [{ productId, quantity: QUANTITY }],
    paymentToken: "tok_success",
    idempotencyKey: `key-${randomUUID()}`,
  });

  it("makes one order, one OrderPlaced and one payment of a request sent twice in a row", async () => {
    const product = await saga.product(STOCK, PRICE);
    const customer = `idempotent-${randomUUID()}`;
    const client = saga.ordersClient(customer);
    const asked = request(product.id);

    const first = await client.placeOrder(asked);
    const second = await client.placeOrder(asked);
    expect(second.order?.id).toBe(first.order?.id);
    const orderId = await expectOneOfEverything(saga, customer, product.id);
    expect(first.order?.id).toBe(orderId);

    // Once the saga is over the key still answers the same order, now confirmed, and starts
    // nothing new.
    const third = await client.placeOrder(asked);
    expect(third.order).toMatchObject({ id: orderId, status: OrderStatus.CONFIRMED });
    expect(await expectOneOfEverything(saga, customer, product.id)).toBe(orderId);
  });

  it("makes one order, one OrderPlaced and one payment of a request sent ten times at once", async () => {
    const product = await saga.product(STOCK, PRICE);
    const customer = `idempotent-${randomUUID()}`;
    const client = saga.ordersClient(customer);
    const asked = request(product.id);

    const answers = await Promise.all(Array.from({ length: 10 }, () => client.placeOrder(asked)));
    const ids = new Set(answers.map((answer) => answer.order?.id));
    expect(ids.size).toBe(1);
    const orderId = await expectOneOfEverything(saga, customer, product.id);
    expect(ids).toEqual(new Set([orderId]));
  });
});
