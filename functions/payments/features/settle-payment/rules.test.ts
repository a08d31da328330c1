import { describe, expect, it } from "vitest";
import type { Outcome, PaymentStatusName } from "../../db/schema.js";
import { learn, nextStep, type PaymentState } from "./rules.js";

const blank: PaymentState = {
  customerId: null,
  amountMinor: null,
  currency: null,
  paymentToken: null,
  reservationExpiresAt: null,
  outcome: "none",
  status: "pending",
  declineReason: null,
  authorizationId: null,
  capturedMinor: 0n,
  refundedMinor: 0n,
};

const order = { customerId: "c-1", amount: { amountMinor: 100n, currency: "EUR" } };
const expiry = new Date("2030-01-01T00:00:00Z");

describe("learn", () => {
  it("keeps the first value of every fact", () => {
    const once = learn(blank, { ...order, paymentToken: "tok_success" });
    const again = learn(once, {
      customerId: "c-2",
      amount: { amountMinor: 5n, currency: "USD" },
      paymentToken: "tok_declined",
    });
    expect(again).toEqual(once);
    expect(once).toMatchObject({ customerId: "c-1", amountMinor: 100n, currency: "EUR" });
  });

  type Known = Exclude<Outcome, "none">;
  it.each<[Known, Known, Known]>([
    ["confirmed", "refund_requested", "refund_requested"],
    ["refund_requested", "confirmed", "refund_requested"],
    ["rejected", "cancelled", "rejected"],
    ["cancelled", "confirmed", "cancelled"],
  ])("after %s then %s, the outcome is %s", (first, second, expected) => {
    const state = learn(learn(blank, { outcome: first }), { outcome: second });
    expect(state.outcome).toBe(expected);
  });
});

describe("nextStep", () => {
  const ready = learn(blank, {
    ...order,
    paymentToken: "tok_success",
    reservationExpiresAt: expiry,
  });

  it("authorizes only once the amount, the token and the reservation are all known", () => {
    expect(nextStep(ready)).toBe("authorize");
    expect(nextStep({ ...ready, paymentToken: null })).toBeUndefined();
    expect(nextStep({ ...ready, reservationExpiresAt: null })).toBeUndefined();
    expect(nextStep({ ...ready, customerId: null, amountMinor: null, currency: null })).toBe(
      undefined,
    );
  });

  it.each<[PaymentStatusName, Outcome, string | undefined]>([
    ["pending", "rejected", "cancel"],
    ["pending", "cancelled", "cancel"],
    ["pending", "confirmed", undefined],
    ["authorized", "none", undefined],
    ["authorized", "confirmed", "capture"],
    ["authorized", "rejected", "void"],
    ["authorized", "cancelled", "void"],
    ["authorized", "refund_requested", "capture-and-refund"],
    ["captured", "confirmed", undefined],
    ["captured", "refund_requested", "refund"],
    ["declined", "rejected", undefined],
    ["voided", "cancelled", undefined],
    ["refunded", "refund_requested", undefined],
    ["cancelled", "cancelled", undefined],
  ])("%s with outcome %s → %s", (status, outcome, step) => {
    expect(nextStep({ ...ready, status, outcome })).toBe(step);
  });
});
