import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import { OrderPlacedSchema } from "../../../gen/orders/v1/events_pb.js";
import {
  OrderStatus,
  type PlaceOrderRequest,
  type PlaceOrderRequestSchema,
} from "../../../gen/orders/v1/orders_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { decodeEvent } from "../../../platform/events/envelope.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { orderRows } from "../../db/schema.js";
import { typeOf, useOrders } from "../../testing.js";

type PlaceInput = Exclude<MessageInitShape<typeof PlaceOrderRequestSchema>, PlaceOrderRequest>;

const UNKNOWN_PRODUCT = "01890a5d-ac96-774b-bcce-b302099a8057";

function violatedFields(error: ConnectError): string[] {
  const [details] = error.findDetails(BadRequestSchema);
  return (details?.fieldViolations.map((violation) => violation.field) ?? []).sort();
}

describe.each(databaseKinds)("PlaceOrder on %s", (kind) => {
  const orders = useOrders(kind);
  let customerCount = 0;
  /** A customer no other test uses, so counts of their orders are this test's. */
  const newCustomer = () => `place-${kind}-${++customerCount}`;

  const failure = (customer: string, request: PlaceInput) =>
    orders
      .client(customer)
      .placeOrder(request)
      .then(
        () => expect.fail("expected the call to fail"),
        (error: unknown) => ConnectError.from(error),
      );
  const ordersOf = (customer: string) =>
    orders.db.$count(orderRows, eq(orderRows.customerId, customer));

  it("prices every line from catalog, totals them and starts the order PENDING", async () => {
    const kettle = await orders.product({ amountMinor: 2_999n });
    const mug = await orders.product({ amountMinor: 450n });
    const customer = newCustomer();

    const order = await orders.place(customer, [
      [kettle.id, 1],
      [mug.id, 4],
    ]);

    expect(order).toMatchObject({
      customerId: customer,
      status: OrderStatus.PENDING,
      total: { amountMinor: 2_999n + 4n * 450n, currency: "EUR" },
      revision: 1,
      shortLines: [],
    });
    expect(order.lines).toEqual([
      expect.objectContaining({
        productId: kettle.id,
        quantity: 1,
        unitPrice: expect.objectContaining({ amountMinor: 2_999n, currency: "EUR" }),
        name: kettle.name,
      }),
      expect.objectContaining({
        productId: mug.id,
        quantity: 4,
        unitPrice: expect.objectContaining({ amountMinor: 450n, currency: "EUR" }),
      }),
    ]);
    expect(order.history.map((change) => change.status)).toEqual([OrderStatus.PENDING]);
    expect(order.history[0]?.changeTime).toEqual(order.createTime);
    expect(order.updateTime).toEqual(order.createTime);
    const { order: stored } = await orders.client(customer).getOrder({ id: order.id });
    expect(stored).toEqual(order);
  });

  it("publishes OrderPlaced with the whole order and the payment token", async () => {
    const product = await orders.product();
    const { order } = await orders.client(newCustomer()).placeOrder({
      lines: [{ productId: product.id, quantity: 2 }],
      paymentToken: "tok_insufficient_funds",
    });
    const published = await orders.published(order?.id);
    expect(published.map(typeOf)).toEqual(["OrderPlaced"]);
    const event = decodeEvent(published[0] as never, OrderPlacedSchema);
    expect(event.order).toEqual(order);
    expect(event.paymentToken).toBe("tok_insufficient_funds");
  });

  it("freezes the prices: a later price change leaves the order as it was", async () => {
    const product = await orders.product({ amountMinor: 1_000n });
    const customer = newCustomer();
    const order = await orders.place(customer, [[product.id, 3]]);

    await orders.catalog.client.updateProduct({
      id: product.id,
      name: "Renamed",
      price: { amountMinor: 5_000n, currency: "EUR" },
    });

    const { order: stored } = await orders.client(customer).getOrder({ id: order.id });
    expect(stored?.lines[0]).toMatchObject({ unitPrice: { amountMinor: 1_000n }, name: "Teapot" });
    expect(stored?.total?.amountMinor).toBe(3_000n);
  });

  it("lists every broken rule at once as proto field paths, and writes nothing", async () => {
    const product = await orders.product();
    const customer = newCustomer();
    const publishedBefore = (await orders.published()).length;
    const error = await failure(customer, {
      lines: [
        { productId: product.id, quantity: 0 },
        { productId: "not-a-uuid", quantity: 1 },
        { productId: UNKNOWN_PRODUCT, quantity: 1001 },
      ],
      paymentToken: "",
      idempotencyKey: "has space",
    });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(violatedFields(error)).toEqual([
      "idempotency_key",
      "lines[0].quantity",
      "lines[1].product_id",
      "lines[2].quantity",
      "payment_token",
    ]);
    expect(await ordersOf(customer)).toBe(0);
    expect(await orders.published()).toHaveLength(publishedBefore);
  });

  it("refuses no lines, more than 50 lines, and a product twice", async () => {
    const customer = newCustomer();
    const line = (i: number) => ({
      productId: `01890a5d-ac96-774b-bcce-${String(i).padStart(12, "0")}`,
      quantity: 1,
    });
    const none = await failure(customer, { lines: [], paymentToken: "tok_success" });
    expect(violatedFields(none)).toEqual(["lines"]);
    const many = await failure(customer, {
      lines: Array.from({ length: 51 }, (_, i) => line(i)),
      paymentToken: "tok_success",
    });
    expect(violatedFields(many)).toEqual(["lines"]);
    const twice = await failure(customer, {
      lines: [line(1), line(2), { ...line(1), productId: line(1).productId.toUpperCase() }],
      paymentToken: "tok_success",
    });
    expect(violatedFields(twice)).toEqual(["lines[2].product_id"]);
    expect(await ordersOf(customer)).toBe(0);
  });

  it("bounds the payment token and the idempotency key", async () => {
    const product = await orders.product();
    const customer = newCustomer();
    const lines = [{ productId: product.id, quantity: 1 }];
    const tooLong = await failure(customer, {
      lines,
      paymentToken: "t".repeat(101),
      idempotencyKey: "k".repeat(256),
    });
    expect(violatedFields(tooLong)).toEqual(["idempotency_key", "payment_token"]);
    const notAscii = await failure(customer, {
      lines,
      paymentToken: "tok_success",
      idempotencyKey: "clé",
    });
    expect(violatedFields(notAscii)).toEqual(["idempotency_key"]);
    // The largest allowed values pass.
    const { order } = await orders.client(customer).placeOrder({
      lines,
      paymentToken: "t".repeat(100),
      idempotencyKey: "~".repeat(255),
    });
    expect(order?.status).toBe(OrderStatus.PENDING);
  });

  it("answers NotFound naming an unknown product, and writes nothing", async () => {
    const product = await orders.product();
    const customer = newCustomer();
    const error = await failure(customer, {
      lines: [
        { productId: product.id, quantity: 1 },
        { productId: UNKNOWN_PRODUCT, quantity: 1 },
      ],
      paymentToken: "tok_success",
    });
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toContain(UNKNOWN_PRODUCT);
    expect(await ordersOf(customer)).toBe(0);
  });

  it("answers FailedPrecondition for products in different currencies", async () => {
    const euros = await orders.product({ currency: "EUR" });
    const dollars = await orders.product({ currency: "USD" });
    const customer = newCustomer();
    const error = await failure(customer, {
      lines: [
        { productId: euros.id, quantity: 1 },
        { productId: dollars.id, quantity: 1 },
      ],
      paymentToken: "tok_success",
    });
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(error.rawMessage).toContain(dollars.id);
    expect(await ordersOf(customer)).toBe(0);
  });

  it("answers FailedPrecondition for a total beyond the largest exact amount", async () => {
    const dear = await orders.product({ amountMinor: BigInt(Number.MAX_SAFE_INTEGER) });
    const error = await failure(newCustomer(), {
      lines: [{ productId: dear.id, quantity: 2 }],
      paymentToken: "tok_success",
    });
    expect(error.code).toBe(Code.FailedPrecondition);
  });

  it.each(["down", "hanging"] as const)(
    "answers Unavailable when catalog is %s, and writes nothing",
    async (state) => {
      const product = await orders.product();
      const customer = newCustomer();
      orders.setCatalog(state);
      try {
        const error = await failure(customer, {
          lines: [{ productId: product.id, quantity: 1 }],
          paymentToken: "tok_success",
        });
        expect(error.code).toBe(Code.Unavailable);
      } finally {
        orders.setCatalog("up");
      }
      expect(await ordersOf(customer)).toBe(0);
    },
  );

  it("refuses a caller without orders:write, and one without a credential", async () => {
    const product = await orders.product();
    const request = { lines: [{ productId: product.id, quantity: 1 }], paymentToken: "tok_x" };
    const readOnly = await orders
      .client(newCustomer(), ["orders:read"])
      .placeOrder(request)
      .catch((error: unknown) => ConnectError.from(error));
    expect(readOnly).toMatchObject({ code: Code.PermissionDenied });
    const anonymous = await orders.app.request("/slipway.orders.v1.OrdersService/PlaceOrder", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(request),
    });
    expect(anonymous.status).toBe(401);
  });

  it("stamps create and update time with the time of placing", async () => {
    const before = Date.now();
    const order = await orders.place(newCustomer(), [[(await orders.product()).id, 1]]);
    const created = timestampDate(order.createTime ?? expect.fail("no create_time")).getTime();
    expect(created).toBeGreaterThanOrEqual(before);
    expect(created).toBeLessThanOrEqual(Date.now());
  });
});
