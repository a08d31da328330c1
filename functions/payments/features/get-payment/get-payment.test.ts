import { Code, ConnectError } from "@connectrpc/connect";
import { uuidv7 } from "uuidv7";
import { beforeAll, describe, expect, it } from "vitest";
import {
  DeclineReason,
  MovementKind,
  PaymentStatus,
} from "../../../gen/payments/v1/payments_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import type { Caller } from "../../../platform/auth/internal-credential.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { type TestOrder, testOrder, usePayments } from "../../testing.js";

const customer = (subject: string, scopes = ["orders:read"]): Caller => ({
  subject,
  scopes: new Set(scopes),
});

const codeOf = (call: Promise<unknown>) =>
  call.then(
    () => "ok",
    (error) => ConnectError.from(error).code,
  );

describe.each(databaseKinds)("GetPayment on %s", (kind) => {
  const service = usePayments(kind);
  let refunded: TestOrder;

  beforeAll(async () => {
    refunded = testOrder({ amountMinor: 1250n });
    await service.deliver(
      refunded.placed(),
      refunded.reserved(),
      refunded.confirmed(),
      refunded.refundRequested(),
    );
  });

  it("shows a customer their own payment with its movements", async () => {
    const { payment } = await service
      .clientFor(customer(refunded.customerId))
      .getPayment({ orderId: refunded.id });
    expect(payment).toMatchObject({
      orderId: refunded.id,
      customerId: refunded.customerId,
      status: PaymentStatus.REFUNDED,
      amount: { amountMinor: 1250n, currency: "EUR" },
      declineReason: DeclineReason.UNSPECIFIED,
    });
    expect(payment?.movements.map((m) => [m.kind, m.amount?.amountMinor])).toEqual([
      [MovementKind.CAPTURE, 1250n],
      [MovementKind.REFUND, 1250n],
    ]);
    expect(payment?.movements.every((m) => m.moveTime !== undefined)).toBe(true);
  });

  it("answers not_found for another customer's payment, as for none", async () => {
    const other = service.clientFor(customer("someone-else"));
    expect(await codeOf(other.getPayment({ orderId: refunded.id }))).toBe(Code.NotFound);
    expect(await codeOf(other.getPayment({ orderId: uuidv7() }))).toBe(Code.NotFound);
  });

  it("lets a service read any payment", async () => {
    const { payment } = await service.client.getPayment({ orderId: refunded.id });
    expect(payment?.status).toBe(PaymentStatus.REFUNDED);
  });

  it("shows a decline and its reason", async () => {
    const order = testOrder();
    await service.deliver(order.placed("tok_insufficient_funds"), order.reserved());
    const { payment } = await service.client.getPayment({ orderId: order.id });
    expect(payment).toMatchObject({
      status: PaymentStatus.DECLINED,
      declineReason: DeclineReason.INSUFFICIENT_FUNDS,
      movements: [],
    });
  });

  it("knows no payment while only the stock reservation has arrived", async () => {
    const order = testOrder();
    await service.deliver(order.reserved());
    expect(await codeOf(service.client.getPayment({ orderId: order.id }))).toBe(Code.NotFound);
  });

  it("refuses a call without a credential, or without orders:read", async () => {
    const anonymous = service.clientFor();
    expect(await codeOf(anonymous.getPayment({ orderId: refunded.id }))).toBe(Code.Unauthenticated);
    const unscoped = service.clientFor(customer(refunded.customerId, ["profile"]));
    expect(await codeOf(unscoped.getPayment({ orderId: refunded.id }))).toBe(Code.PermissionDenied);
  });

  it("refuses an order id that is not a UUID, naming the field", async () => {
    const error = await service.client
      .getPayment({ orderId: "order-1" })
      .catch((caught: unknown) => ConnectError.from(caught));
    expect(error).toBeInstanceOf(ConnectError);
    const connectError = error as ConnectError;
    expect(connectError.code).toBe(Code.InvalidArgument);
    expect(connectError.findDetails(BadRequestSchema)[0]?.fieldViolations).toEqual([
      expect.objectContaining({ field: "order_id", description: "must be a UUID" }),
    ]);
  });
});
