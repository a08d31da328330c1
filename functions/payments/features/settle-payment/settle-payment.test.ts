import { fromBinary } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { asc, eq, sql } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import {
  PaymentAuthorizedSchema,
  PaymentDeclinedSchema,
} from "../../../gen/payments/v1/events_pb.js";
import { DeclineReason } from "../../../gen/payments/v1/payments_pb.js";
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
});
