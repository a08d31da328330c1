// The doc's table (docs/order-saga.md, "orders"), row by row, for every status: what each step
// changes and announces, and that every other pair changes nothing.
import { describe, expect, it } from "vitest";
import { ORDER_STATUSES, type Status } from "./db/schema.js";
import { type Change, decide, type MachineState, type Step } from "./state-machine.js";

const NOW = new Date("2030-01-01T12:00:00Z");
const LATER = new Date(NOW.getTime() + 60_000);
const EARLIER = new Date(NOW.getTime() - 1);
const SHORT = [{ productId: "p-1", requested: 3, available: 1 }];

const state = (status: Status, more: Partial<MachineState> = {}): MachineState => ({
  status,
  refunded: false,
  restocked: false,
  reservationExpiresAt: null,
  ...more,
});

const steps: Record<string, Step> = {
  "stock-reserved": { kind: "stock-reserved", expireTime: LATER },
  "stock-rejected": { kind: "stock-rejected", shortLines: SHORT },
  "payment-authorized in time": { kind: "payment-authorized", reservationExpireTime: LATER },
  "payment-authorized too late": { kind: "payment-authorized", reservationExpireTime: NOW },
  "payment-declined": { kind: "payment-declined", reason: "PAYMENT_DECLINED" },
  "payment-declined for funds": { kind: "payment-declined", reason: "INSUFFICIENT_FUNDS" },
  "reservation-expired": { kind: "reservation-expired" },
  "payment-refunded": { kind: "payment-refunded" },
  "stock-returned": { kind: "stock-returned" },
  cancel: { kind: "cancel" },
};

const rejected = (
  rejectionReason: Change["rejectionReason"],
  more: Partial<Change> = {},
): Change => ({
  status: "REJECTED",
  rejectionReason,
  announce: "rejected",
  ...more,
});

/** The changes the doc's table lists; every pair not here changes nothing. */
const table: Record<string, Partial<Record<Status, Change>>> = {
  "stock-reserved": { PENDING: { status: "STOCK_RESERVED", reservationExpiresAt: LATER } },
  "stock-rejected": {
    PENDING: rejected("OUT_OF_STOCK", { shortLines: SHORT }),
    STOCK_RESERVED: rejected("OUT_OF_STOCK", { shortLines: SHORT }),
  },
  "payment-authorized in time": {
    PENDING: { status: "CONFIRMED", announce: "confirmed" },
    STOCK_RESERVED: { status: "CONFIRMED", announce: "confirmed" },
  },
  "payment-authorized too late": {
    PENDING: rejected("RESERVATION_EXPIRED"),
    STOCK_RESERVED: rejected("RESERVATION_EXPIRED"),
  },
  "payment-declined": {
    PENDING: rejected("PAYMENT_DECLINED"),
    STOCK_RESERVED: rejected("PAYMENT_DECLINED"),
  },
  "payment-declined for funds": {
    PENDING: rejected("INSUFFICIENT_FUNDS"),
    STOCK_RESERVED: rejected("INSUFFICIENT_FUNDS"),
  },
  "reservation-expired": {
    PENDING: rejected("RESERVATION_EXPIRED"),
    STOCK_RESERVED: rejected("RESERVATION_EXPIRED"),
  },
  // Alone, each only notes its half; the second half completes the refund (below).
  "payment-refunded": { REFUND_PENDING: { refunded: true } },
  "stock-returned": { REFUND_PENDING: { restocked: true } },
  cancel: {
    PENDING: { status: "CANCELLED", announce: "cancelled" },
    STOCK_RESERVED: { status: "CANCELLED", announce: "cancelled" },
    CONFIRMED: { status: "REFUND_PENDING", announce: "cancelled" },
  },
};

describe("the order state machine", () => {
  const cases = Object.entries(steps).flatMap(([name, step]) =>
    ORDER_STATUSES.map((status) => [name, status, step] as const),
  );

  it.each(cases)("%s in %s", (name, status, step) => {
    expect(decide(state(status), step, NOW)).toEqual(table[name]?.[status]);
  });

  it("refunds once both the payment is refunded and the stock returned, in either order", () => {
    expect(
      decide(state("REFUND_PENDING", { restocked: true }), steps["payment-refunded"] as Step, NOW),
    ).toEqual({
      status: "REFUNDED",
      refunded: true,
      announce: "refunded",
    });
    expect(
      decide(state("REFUND_PENDING", { refunded: true }), steps["stock-returned"] as Step, NOW),
    ).toEqual({
      status: "REFUNDED",
      restocked: true,
      announce: "refunded",
    });
  });

  it("ignores a half of the refund that has already arrived", () => {
    const refunded = state("REFUND_PENDING", { refunded: true });
    expect(decide(refunded, steps["payment-refunded"] as Step, NOW)).toBeUndefined();
    const restocked = state("REFUND_PENDING", { restocked: true });
    expect(decide(restocked, steps["stock-returned"] as Step, NOW)).toBeUndefined();
  });

  it("confirms strictly before the reservation's expiry, and not at or after it", () => {
    const authorized = (at: Date): Step => ({
      kind: "payment-authorized",
      reservationExpireTime: at,
    });
    expect(decide(state("STOCK_RESERVED"), authorized(LATER), NOW)?.status).toBe("CONFIRMED");
    expect(decide(state("STOCK_RESERVED"), authorized(NOW), NOW)?.status).toBe("REJECTED");
    expect(decide(state("STOCK_RESERVED"), authorized(EARLIER), NOW)?.status).toBe("REJECTED");
  });

  it("falls back to StockReserved's expiry when PaymentAuthorized carries none, else confirms nothing", () => {
    const noExpiry: Step = { kind: "payment-authorized", reservationExpireTime: undefined };
    const held = state("STOCK_RESERVED", { reservationExpiresAt: LATER });
    expect(decide(held, noExpiry, NOW)?.status).toBe("CONFIRMED");
    const lapsed = state("STOCK_RESERVED", { reservationExpiresAt: EARLIER });
    expect(decide(lapsed, noExpiry, NOW)?.rejectionReason).toBe("RESERVATION_EXPIRED");
    expect(decide(state("PENDING"), noExpiry, NOW)?.rejectionReason).toBe("RESERVATION_EXPIRED");
  });
});
