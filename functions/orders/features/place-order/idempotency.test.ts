import { Code, ConnectError } from "@connectrpc/connect";
import { eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { idempotencyKeys, orderRows } from "../../db/schema.js";
import { typeOf, useOrders } from "../../testing.js";

describe.each(databaseKinds)("PlaceOrder with an idempotency key on %s", (kind) => {
  const orders = useOrders(kind);
  let customerCount = 0;
  const newCustomer = () => `idem-${kind}-${++customerCount}`;

  const ordersOf = (customer: string) =>
    orders.db.$count(orderRows, eq(orderRows.customerId, customer));
  const placedEvents = async (customer: string) => {
    const ids = (
      await orders.db
        .select({ id: orderRows.id })
        .from(orderRows)
        .where(eq(orderRows.customerId, customer))
    ).map((row) => row.id);
    return (await orders.published()).filter(
      (envelope) => typeOf(envelope) === "OrderPlaced" && ids.includes(envelope.subject),
    );
  };

  async function request(quantity = 2, idempotencyKey = "key-1") {
    const product = await orders.product();
    return {
      lines: [{ productId: product.id, quantity }],
      paymentToken: "tok_success",
      idempotencyKey,
    };
  }

  it("answers a repeat with the first order as it is now, creating and publishing nothing", async () => {
    const customer = newCustomer();
    const client = orders.client(customer);
    const body = await request();
    const { order: first } = await client.placeOrder(body);
    await client.cancelOrder({ id: first?.id ?? "" });

    // Catalog is not asked again: the repeat answers even while it is down.
    orders.setCatalog("down");
    const { order: again } = await client.placeOrder(body).finally(() => {
      orders.setCatalog("up");
    });

    expect(again?.id).toBe(first?.id);
    expect(again?.status).toBe(OrderStatus.CANCELLED);
    expect(await ordersOf(customer)).toBe(1);
    expect(await placedEvents(customer)).toHaveLength(1);
  });

  it("answers AlreadyExists for the same key with a different request", async () => {
    const customer = newCustomer();
    const client = orders.client(customer);
    const body = await request(2);
    await client.placeOrder(body);
    for (const changed of [
      { ...body, lines: [{ ...body.lines[0], quantity: 3 }] },
      { ...body, paymentToken: "tok_declined" },
    ]) {
      const error = await client.placeOrder(changed).then(
        () => expect.fail("expected the call to fail"),
        (caught: unknown) => ConnectError.from(caught),
      );
      expect(error.code).toBe(Code.AlreadyExists);
    }
    expect(await ordersOf(customer)).toBe(1);
  });

  it("scopes keys to the customer: another customer's same key is a new order", async () => {
    const body = await request();
    const [alice, bob] = [newCustomer(), newCustomer()];
    const { order: first } = await orders.client(alice).placeOrder(body);
    const { order: second } = await orders.client(bob).placeOrder(body);
    expect(second?.id).not.toBe(first?.id);
    expect(second?.customerId).toBe(bob);
  });

  it("makes one order of concurrent requests with one key", async () => {
    const customer = newCustomer();
    const client = orders.client(customer);
    const body = await request();
    const answers = await Promise.all(Array.from({ length: 8 }, () => client.placeOrder(body)));
    const ids = new Set(answers.map(({ order }) => order?.id));
    expect(ids.size).toBe(1);
    expect(await ordersOf(customer)).toBe(1);
    expect(await placedEvents(customer)).toHaveLength(1);
  });

  it("makes a new order for a key older than 24 hours, and prunes such keys", async () => {
    const customer = newCustomer();
    const client = orders.client(customer);
    const body = await request(1, "old-key");
    const { order: first } = await client.placeOrder(body);
    const age = async () =>
      orders.db
        .update(idempotencyKeys)
        .set({ createdAt: sql`now() - interval '25 hours'` })
        .where(eq(idempotencyKeys.customerId, customer));
    await age();

    const { order: second } = await client.placeOrder(body);
    expect(second?.id).not.toBe(first?.id);
    expect(await ordersOf(customer)).toBe(2);

    await age();
    const pruned = await orders.prune();
    expect(pruned.idempotencyKeys).toBeGreaterThanOrEqual(1);
    expect(await orders.db.$count(idempotencyKeys, eq(idempotencyKeys.customerId, customer))).toBe(
      0,
    );
  });

  it("keeps nothing of a request that failed: the key then places the order", async () => {
    const customer = newCustomer();
    const client = orders.client(customer);
    const body = await request(1, "retry-me");
    orders.setCatalog("down");
    await expect(client.placeOrder(body)).rejects.toMatchObject({ code: Code.Unavailable });
    orders.setCatalog("up");
    const { order } = await client.placeOrder(body);
    expect(order?.status).toBe(OrderStatus.PENDING);
    expect(await ordersOf(customer)).toBe(1);
  });
});
