import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  PaymentAuthorizedSchema,
  PaymentDeclinedSchema,
} from "../../../gen/payments/v1/events_pb.js";
import { DeclineReason } from "../../../gen/payments/v1/payments_pb.js";
import { PoisonMessage } from "../../../platform/bus/port.js";
import type { Envelope } from "../../../platform/events/envelope.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { ledger, payments } from "../../db/schema.js";
import { FLAKY_FAILURES } from "../../provider/simulated-provider.js";
import { type TestOrder, testOrder, usePayments } from "../../testing.js";

/** Every ordering of `items`. */
function permutations<T>(items: readonly T[]): T[][] {
  if (items.length <= 1) return [[...items]];
  return items.flatMap((item, i) =>
    permutations([...items.slice(0, i), ...items.slice(i + 1)]).map((rest) => [item, ...rest]),
  );
}

const decode = <Schema extends typeof PaymentAuthorizedSchema | typeof PaymentDeclinedSchema>(
  envelope: Envelope | undefined,
  schema: Schema,
) => fromBinary(schema, Buffer.from(envelope?.data_base64 ?? "", "base64"));

describe.each(databaseKinds)("payment settlement on %s", (kind) => {
  const service = usePayments(kind);

  async function paymentOf(order: TestOrder) {
    const [row] = await service.db.select().from(payments).where(eq(payments.orderId, order.id));
    return row;
  }

  const movementsOf = (order: TestOrder) =>
    service.db
      .select({ kind: ledger.kind, amountMinor: ledger.amountMinor })
      .from(ledger)
      .where(eq(ledger.orderId, order.id))
      .orderBy(asc(ledger.at), asc(ledger.id));

  async function operationsOf(order: TestOrder) {
    const records = await service.providerRecordsOf(order.id);
    return records.map((record) => record.operation).sort();
  }

  describe("the test tokens", () => {
    it.each([
      ["tok_success", "authorized", null, "PaymentAuthorized"],
      ["tok_flaky", "authorized", null, "PaymentAuthorized"],
      ["tok_declined", "declined", "declined", "PaymentDeclined"],
      ["tok_insufficient_funds", "declined", "insufficient_funds", "PaymentDeclined"],
      ["tok_unheard_of", "declined", "declined", "PaymentDeclined"],
      ["", "declined", "declined", "PaymentDeclined"],
    ])("%s → %s", async (token, status, declineReason, published) => {
      const order = testOrder();
      await service.deliver(order.placed(token), order.reserved());
      expect(await paymentOf(order)).toMatchObject({ status, declineReason });
      expect(service.publishedTypes(order.id)).toEqual([published]);
      expect(await operationsOf(order)).toEqual(["authorize"]);
    });

    it("says why it declined", async () => {
      const insufficient = testOrder();
      const declined = testOrder();
      await service.deliver(insufficient.placed("tok_insufficient_funds"), insufficient.reserved());
      await service.deliver(declined.placed("tok_declined"), declined.reserved());
      expect(decode(service.published(insufficient.id)[0], PaymentDeclinedSchema)).toMatchObject({
        orderId: insufficient.id,
        reason: DeclineReason.INSUFFICIENT_FUNDS,
      });
      expect(decode(service.published(declined.id)[0], PaymentDeclinedSchema).reason).toBe(
        DeclineReason.DECLINED,
      );
    });

    it("authorizes the amount until the reservation's expiry", async () => {
      const order = testOrder({ amountMinor: 4321n });
      const expiresAt = new Date(Date.now() + 10 * 60_000);
      await service.deliver(order.reserved(expiresAt), order.placed());
      const authorized = decode(service.published(order.id)[0], PaymentAuthorizedSchema);
      expect(authorized.orderId).toBe(order.id);
      expect(authorized.amount).toMatchObject({ amountMinor: 4321n, currency: "EUR" });
      const expiry = authorized.reservationExpireTime;
      expect(expiry && timestampDate(expiry)).toEqual(expiresAt);
    });

    it("authorizes tok_flaky once, after retrying the answers it lost", async () => {
      const order = testOrder();
      await service.deliver(order.placed("tok_flaky"), order.reserved());
      const records = await service.providerRecordsOf(order.id);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ operation: "authorize", attempts: FLAKY_FAILURES + 1 });
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized"]);
    });
  });
  describe("a crash after the provider acted, and the redelivery", () => {
    it("authorizes once", async () => {
      const order = testOrder();
      const reserved = order.reserved();
      await service.deliver(order.placed());
      service.crashAfterNext("authorize");
      await expect(service.deliver(reserved)).rejects.toThrow(/crashed after authorize/);
      // Rolled back whole: no authorization, no event, no record the event was handled.
      expect(await paymentOf(order)).toMatchObject({ status: "pending", authorizationId: null });
      expect(service.published(order.id)).toEqual([]);

      await service.deliver(reserved);
      expect(await paymentOf(order)).toMatchObject({ status: "authorized" });
      expect(await operationsOf(order)).toEqual(["authorize"]);
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized"]);
    });

    it("captures once", async () => {
      const order = testOrder();
      const confirmed = order.confirmed();
      await service.deliver(order.placed(), order.reserved());
      service.crashAfterNext("capture");
      await expect(service.deliver(confirmed)).rejects.toThrow(/crashed after capture/);
      expect(await paymentOf(order)).toMatchObject({ status: "authorized", capturedMinor: 0n });
      expect(await movementsOf(order)).toEqual([]);

      await service.deliver(confirmed, confirmed);
      expect(await paymentOf(order)).toMatchObject({ status: "captured", capturedMinor: 2500n });
      expect(await movementsOf(order)).toEqual([{ kind: "capture", amountMinor: 2500n }]);
      expect(await operationsOf(order)).toEqual(["authorize", "capture"]);
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized", "PaymentCaptured"]);
    });
  });

  describe("every event twice, and the same fact in another envelope", () => {
    /** Each event delivered, redelivered, then told again in a new envelope. */
    async function repeatedly(...facts: (() => Envelope)[]) {
      for (const fact of facts) {
        const envelope = fact();
        await service.deliver(envelope, envelope, fact());
      }
    }

    it("authorizes, captures and refunds once each", async () => {
      const order = testOrder();
      await repeatedly(order.placed, order.reserved, order.confirmed, order.refundRequested);
      expect(await paymentOf(order)).toMatchObject({
        status: "refunded",
        capturedMinor: 2500n,
        refundedMinor: 2500n,
      });
      expect(service.publishedTypes(order.id)).toEqual([
        "PaymentAuthorized",
        "PaymentCaptured",
        "PaymentRefunded",
      ]);
      expect(await movementsOf(order)).toEqual([
        { kind: "capture", amountMinor: 2500n },
        { kind: "refund", amountMinor: 2500n },
      ]);
      const records = await service.providerRecordsOf(order.id);
      expect(records.map((record) => [record.operation, record.attempts]).sort()).toEqual([
        ["authorize", 1],
        ["capture", 1],
        ["refund", 1],
      ]);
    });

    it("declines once", async () => {
      const order = testOrder();
      await repeatedly(() => order.placed("tok_declined"), order.reserved, order.rejected);
      expect(await paymentOf(order)).toMatchObject({ status: "declined" });
      expect(service.publishedTypes(order.id)).toEqual(["PaymentDeclined"]);
      expect(await operationsOf(order)).toEqual(["authorize"]);
    });

    it("voids once", async () => {
      const order = testOrder();
      await repeatedly(order.placed, order.reserved, order.cancelled);
      expect(await paymentOf(order)).toMatchObject({ status: "voided", capturedMinor: 0n });
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized", "PaymentVoided"]);
      expect(await operationsOf(order)).toEqual(["authorize", "void"]);
    });
  });

  describe("in any order", () => {
    type Fact = "placed" | "reserved" | "rejected" | "cancelled";
    const orderings = (facts: Fact[]) => permutations(facts) as [Fact, Fact, ...Fact[]][];

    it.each(orderings(["placed", "reserved"]))(
      "authorizes once both %s and %s are known",
      async (first, second) => {
        const order = testOrder();
        await service.deliver(order[first]());
        expect(service.published(order.id)).toEqual([]);
        await service.deliver(order[second]());
        expect(await paymentOf(order)).toMatchObject({ status: "authorized" });
        expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized"]);
      },
    );

    const endings = (["rejected", "cancelled"] as const).flatMap((outcome) =>
      orderings(["placed", "reserved", outcome]),
    );
    it.each(endings)("%s, %s, %s: nothing authorized, or voided", async (...names) => {
      const order = testOrder();
      await service.deliver(...names.map((name) => order[name]()));
      const authorizedFirst = names[2] !== "placed" && names[2] !== "reserved";
      if (authorizedFirst) {
        expect(await paymentOf(order)).toMatchObject({ status: "voided" });
        expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized", "PaymentVoided"]);
        expect(await operationsOf(order)).toEqual(["authorize", "void"]);
      } else {
        // The outcome overtook the authorization: it is never asked for.
        expect(await paymentOf(order)).toMatchObject({
          status: "cancelled",
          authorizationId: null,
        });
        expect(service.published(order.id)).toEqual([]);
        expect(await operationsOf(order)).toEqual([]);
      }
      expect(await movementsOf(order)).toEqual([]);
    });
  });

  describe("the outcome", () => {
    it("captures a confirmed order once, with one positive movement", async () => {
      const order = testOrder({ amountMinor: 1999n });
      await service.deliver(order.placed(), order.reserved(), order.confirmed());
      expect(await paymentOf(order)).toMatchObject({ status: "captured", capturedMinor: 1999n });
      expect(await movementsOf(order)).toEqual([{ kind: "capture", amountMinor: 1999n }]);
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized", "PaymentCaptured"]);
    });

    it("refunds a cancellation after confirmation once, with one negative movement", async () => {
      const order = testOrder();
      await service.deliver(order.placed(), order.reserved(), order.confirmed());
      await service.deliver(order.refundRequested(), order.refundRequested());
      expect(await paymentOf(order)).toMatchObject({
        status: "refunded",
        capturedMinor: 2500n,
        refundedMinor: 2500n,
      });
      expect(await movementsOf(order)).toEqual([
        { kind: "capture", amountMinor: 2500n },
        { kind: "refund", amountMinor: 2500n },
      ]);
      expect(service.publishedTypes(order.id)).toEqual([
        "PaymentAuthorized",
        "PaymentCaptured",
        "PaymentRefunded",
      ]);
    });

    it("captures and refunds at once when the cancellation overtakes the confirmation", async () => {
      const order = testOrder();
      await service.deliver(order.placed(), order.reserved(), order.refundRequested());
      expect(await paymentOf(order)).toMatchObject({ status: "refunded", refundedMinor: 2500n });
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized", "PaymentRefunded"]);
      // The late confirmation changes nothing.
      await service.deliver(order.confirmed());
      expect(await paymentOf(order)).toMatchObject({ status: "refunded", refundedMinor: 2500n });
      expect(await movementsOf(order)).toEqual([
        { kind: "capture", amountMinor: 2500n },
        { kind: "refund", amountMinor: 2500n },
      ]);
      expect(service.publishedTypes(order.id)).toEqual(["PaymentAuthorized", "PaymentRefunded"]);
      expect(await operationsOf(order)).toEqual(["authorize", "capture", "refund"]);
    });

    it("moves no money for an order of nothing", async () => {
      const order = testOrder({ amountMinor: 0n });
      await service.deliver(order.placed(), order.reserved(), order.confirmed());
      await service.deliver(order.refundRequested());
      expect(await paymentOf(order)).toMatchObject({ status: "refunded", capturedMinor: 0n });
      expect(await movementsOf(order)).toEqual([]);
    });
  });

  it("sends events it can never apply to the dead letters at once", async () => {
    const order = testOrder();
    const garbled = {
      ...order.reserved(),
      data_base64: Buffer.from("nonsense").toString("base64"),
    };
    const wrongStatus = order.confirmed();
    // An OrderCancelled whose order is CONFIRMED: orders never publishes one.
    const cancelledConfirmed = { ...wrongStatus, type: "slipway.orders.v1.OrderCancelled" };
    for (const envelope of [garbled, cancelledConfirmed]) {
      await expect(service.deliver(envelope)).rejects.toBeInstanceOf(PoisonMessage);
    }
    expect(await paymentOf(order)).toBeUndefined();
  });

  it("never lets a payment's movements sum below zero", async () => {
    // Over every payment the tests above made.
    const sums = await service.db
      .select({
        orderId: payments.orderId,
        net: sql<string>`coalesce(sum(case ${ledger.kind} when 'capture' then ${ledger.amountMinor} else -${ledger.amountMinor} end), 0)::text`,
        captured: payments.capturedMinor,
        refunded: payments.refundedMinor,
      })
      .from(payments)
      .leftJoin(ledger, eq(ledger.orderId, payments.orderId))
      .groupBy(payments.orderId);
    expect(sums.length).toBeGreaterThan(20);
    for (const { net, captured, refunded } of sums) {
      expect(BigInt(net)).toBeGreaterThanOrEqual(0n);
      expect(BigInt(net)).toBe(captured - refunded);
    }
  });
});
