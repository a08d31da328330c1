import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { OrderStatus } from "../../../gen/orders/v1/orders_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { saga, useOrders } from "../../testing.js";

const UNKNOWN = "01890a5d-ac96-774b-bcce-b302099a8057";

describe.each(databaseKinds)("GetOrder on %s", (kind) => {
  const orders = useOrders(kind);
  const failure = (promise: Promise<unknown>) =>
    promise.then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("answers the customer's own order with its lines and its history, times included", async () => {
    const product = await orders.product({ amountMinor: 990n });
    const placed = await orders.place("alice", [[product.id, 2]]);
    await orders.deliver(saga.stockReserved(placed.id), saga.paymentAuthorized(placed.id));

    const { order } = await orders.client("alice").getOrder({ id: placed.id });

    expect(order).toMatchObject({
      id: placed.id,
      customerId: "alice",
      status: OrderStatus.CONFIRMED,
      total: { amountMinor: 1_980n, currency: "EUR" },
      revision: 3,
    });
    expect(order?.history.map((change) => change.status)).toEqual([
      OrderStatus.PENDING,
      OrderStatus.STOCK_RESERVED,
      OrderStatus.CONFIRMED,
    ]);
    const times = order?.history.map((change) =>
      timestampDate(change.changeTime ?? expect.fail("no change_time")).getTime(),
    );
    expect(times?.[0]).toBe(timestampDate(placed.createTime ?? expect.fail()).getTime());
    expect(times).toEqual([...(times ?? [])].sort((a, b) => a - b));
    expect(order?.history.at(-1)?.changeTime).toEqual(order?.updateTime);
  });

  it("answers another customer's order exactly as an unknown one", async () => {
    const product = await orders.product();
    const placed = await orders.place("alice", [[product.id, 1]]);
    const foreign = await failure(orders.client("mallory").getOrder({ id: placed.id }));
    const unknown = await failure(orders.client("mallory").getOrder({ id: UNKNOWN }));
    expect(foreign.code).toBe(Code.NotFound);
    expect(unknown.code).toBe(Code.NotFound);
    expect(foreign.rawMessage).toBe(unknown.rawMessage.replace(UNKNOWN, placed.id));
  });

  it("lets a service acting for itself read any order", async () => {
    const product = await orders.product();
    const placed = await orders.place("alice", [[product.id, 1]]);
    const { order } = await orders
      .client("service:payments", ["orders:read"])
      .getOrder({ id: placed.id });
    expect(order?.customerId).toBe("alice");
  });

  it("answers InvalidArgument on id for an id that is not a UUID", async () => {
    const error = await failure(orders.client("alice").getOrder({ id: "42" }));
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["id"]);
  });

  it("requires orders:read", async () => {
    const error = await failure(orders.client("alice", ["orders:write"]).getOrder({ id: UNKNOWN }));
    expect(error.code).toBe(Code.PermissionDenied);
  });
});
