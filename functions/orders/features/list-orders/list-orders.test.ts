import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { OrderStatus, type OrderSummary } from "../../../gen/orders/v1/orders_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { encodePageToken } from "../../../platform/pagination/page-token.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { saga, useOrders } from "../../testing.js";

describe.each(databaseKinds)("ListOrders on %s", (kind) => {
  const orders = useOrders(kind);

  async function placeMany(customer: string, count: number): Promise<string[]> {
    const product = await orders.product({ amountMinor: 100n });
    const ids: string[] = [];
    // One at a time, so the creation order is well defined.
    for (let i = 0; i < count; i++)
      ids.push((await orders.place(customer, [[product.id, i + 1]])).id);
    // The summaries are a projection of the orders' events: apply them before reading.
    await orders.drain();
    return ids;
  }

  async function allPages(customer: string, pageSize: number): Promise<OrderSummary[][]> {
    const pages: OrderSummary[][] = [];
    let pageToken = "";
    do {
      const page = await orders.client(customer).listOrders({ pageSize, pageToken });
      pages.push(page.orders);
      pageToken = page.nextPageToken;
    } while (pageToken !== "" && pages.length < 100);
    return pages;
  }

  const failure = (pageSize: number, pageToken = "") =>
    orders
      .client("anyone")
      .listOrders({ pageSize, pageToken })
      .then(
        () => expect.fail("expected the call to fail"),
        (error: unknown) => ConnectError.from(error),
      );

  it("lists only the caller's orders, newest first, a page at a time without gaps", async () => {
    const mine = await placeMany("lister", 7);
    await placeMany("someone-else", 2);

    const pages = await allPages("lister", 3);

    expect(pages.map((page) => page.length)).toEqual([3, 3, 1]);
    expect(pages.flat().map((summary) => summary.id)).toEqual([...mine].reverse());
  });

  it("summarises each order: status, total, line count and times", async () => {
    const product = await orders.product({ amountMinor: 250n });
    const other = await orders.product({ amountMinor: 50n });
    const order = await orders.place("summarised", [
      [product.id, 2],
      [other.id, 1],
    ]);
    await orders.drain();
    const {
      orders: [summary],
    } = await orders.client("summarised").listOrders({});
    expect(summary).toMatchObject({
      id: order.id,
      status: OrderStatus.PENDING,
      total: { amountMinor: 550n, currency: "EUR" },
      lineCount: 2,
      createTime: order.createTime,
      updateTime: order.updateTime,
    });
  });

  it("shows an order once its events are applied, and follows its outcome", async () => {
    const product = await orders.product();
    const order = await orders.place("follower", [[product.id, 1]]);
    expect((await orders.client("follower").listOrders({})).orders).toEqual([]);

    await orders.drain();
    expect((await orders.client("follower").listOrders({})).orders[0]?.status).toBe(
      OrderStatus.PENDING,
    );

    await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
    await orders.drain();
    const { order: current } = await orders.client("follower").getOrder({ id: order.id });
    const [summary] = (await orders.client("follower").listOrders({})).orders;
    expect(summary).toMatchObject({
      status: OrderStatus.CONFIRMED,
      updateTime: current?.updateTime,
    });
  });

  it("uses a page size of 20 when page_size is 0, and resumes after the order a token names", async () => {
    const ids = (await placeMany("many", 22)).reverse();
    const first = await orders.client("many").listOrders({ pageSize: 0 });
    expect(first.orders.map((summary) => summary.id)).toEqual(ids.slice(0, 20));
    expect(first.nextPageToken).not.toBe("");

    const resumed = await orders
      .client("many")
      .listOrders({ pageSize: 2, pageToken: encodePageToken(ids[4] ?? "") });
    expect(resumed.orders.map((summary) => summary.id)).toEqual(ids.slice(5, 7));
  });

  it("answers an empty page without a token for a customer without orders", async () => {
    const page = await orders.client("newcomer").listOrders({ pageSize: 100 });
    expect(page).toMatchObject({ orders: [], nextPageToken: "" });
  });

  it("answers InvalidArgument for a page size out of range or a token it did not issue", async () => {
    for (const pageSize of [101, -1]) {
      const error = await failure(pageSize);
      expect(error.code).toBe(Code.InvalidArgument);
      const [details] = error.findDetails(BadRequestSchema);
      expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["page_size"]);
    }
    const error = await failure(10, "garbage!");
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["page_token"]);
  });
});
