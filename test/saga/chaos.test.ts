// The saga's promise (docs/order-saga.md): delivery is at least once and in no particular order,
// and every order still ends the same. The order mix (order-mix.ts) runs on a well-behaved bus,
// then again on one that delivers every event twice with random delays, so later events
// overtake earlier ones; each order's final state, its money and its product's stock must come
// out the same, and as the rules say.
import { describe, expect, it } from "vitest";
import { databaseKinds } from "../../functions/platform/testing/databases.js";
import { useSaga } from "./harness.js";
import {
  type Mix,
  NO_CHARGE,
  type Outcome,
  type Outcomes,
  outcomesOf,
  PER_SCENARIO,
  PLANS,
  PRICE,
  runMix,
  SCENARIOS,
  type Scenario,
} from "./order-mix.js";
import { unrulyPublisher } from "./unruly-publisher.js";

const expected = (outcome: Partial<Outcome>): Outcome => ({
  status: "CONFIRMED",
  reason: null,
  shortLines: [],
  payment: "captured",
  ledger: [`capture ${PRICE}`],
  provider: ["authorize x1", "capture x1"],
  reservation: "committed",
  announced: ["OrderConfirmed", "OrderPlaced"],
  summaryCurrent: true,
  ...outcome,
});

const EXPECTED: Record<Scenario, { outcome: Outcome; stock: number }> = {
  paid: { outcome: expected({}), stock: 10 - PER_SCENARIO },
  declined: {
    outcome: expected({
      status: "REJECTED",
      reason: "PAYMENT_DECLINED",
      payment: "declined",
      ledger: [],
      provider: ["authorize x1"],
      reservation: "released",
      announced: ["OrderPlaced", "OrderRejected"],
    }),
    stock: 10,
  },
  "insufficient-funds": {
    outcome: expected({
      status: "REJECTED",
      reason: "INSUFFICIENT_FUNDS",
      payment: "declined",
      ledger: [],
      provider: ["authorize x1"],
      reservation: "released",
      announced: ["OrderPlaced", "OrderRejected"],
    }),
    stock: 10,
  },
  "flaky-provider": {
    outcome: expected({ provider: ["authorize x3", "capture x1"] }),
    stock: 10 - PER_SCENARIO,
  },
  "out-of-stock": {
    outcome: expected({
      status: "REJECTED",
      reason: "OUT_OF_STOCK",
      shortLines: ["2 requested, 1 available"],
      payment: "cancelled",
      ledger: [],
      provider: [],
      reservation: "rejected",
      announced: ["OrderPlaced", "OrderRejected"],
    }),
    stock: 1,
  },
  "cancelled-before-outcome": {
    outcome: expected({
      status: "CANCELLED",
      payment: NO_CHARGE,
      ledger: [],
      provider: [],
      reservation: "released",
      announced: ["OrderCancelled", "OrderPlaced"],
    }),
    stock: 10,
  },
  "cancelled-after-confirmation": {
    outcome: expected({
      status: "REFUNDED",
      payment: "refunded",
      ledger: [`capture ${PRICE}`, `refund ${PRICE}`],
      provider: ["authorize x1", "capture x1", "refund x1"],
      reservation: "returned",
      announced: ["OrderCancelled", "OrderConfirmed", "OrderPlaced", "OrderRefunded"],
    }),
    stock: 10,
  },
};

const EXPECTED_OUTCOMES: Outcomes = {
  orders: Object.fromEntries(
    SCENARIOS.map((scenario) => [scenario, Array(PER_SCENARIO).fill(EXPECTED[scenario].outcome)]),
  ),
  stock: Object.fromEntries(
    SCENARIOS.map((scenario) => [scenario, EXPECTED[scenario].stock]),
  ) as Record<Scenario, number>,
};

/** Stock is the initial stock less the units of orders still confirmed: restored exactly once. */
function expectStockFollowsOrders(mix: Mix, outcomes: Outcomes) {
  for (const scenario of SCENARIOS) {
    const kept = mix.placed
      .filter(
        (order) => order.scenario === scenario && mix.rows.get(order.id)?.status === "CONFIRMED",
      )
      .reduce((units) => units + PLANS[scenario].quantity, 0);
    expect(outcomes.stock[scenario], scenario).toBe(PLANS[scenario].stock - kept);
  }
}

describe.each(databaseKinds)(
  "%s: the saga on a bus that delivers twice and out of order",
  (kind) => {
    const bus = unrulyPublisher({ copies: 2, maxDelayMs: 50 });
    const saga = useSaga(kind, { publisher: bus.wrap });
    let wellBehaved: Outcomes | undefined;

    it("ends every order of the mix as the rules say on a well-behaved bus", {
      timeout: 45_000,
    }, async () => {
      bus.unruly = false;
      const mix = await runMix(saga, "calm");
      wellBehaved = await outcomesOf(saga, mix);
      expect(wellBehaved).toEqual(EXPECTED_OUTCOMES);
      expectStockFollowsOrders(mix, wellBehaved);
    });

    it("ends them identically when every event comes twice and later ones overtake earlier ones", {
      timeout: 45_000,
    }, async () => {
      bus.unruly = true;
      let mix: Mix;
      try {
        mix = await runMix(saga, "unruly");
      } finally {
        bus.unruly = false;
      }
      const unruly = await outcomesOf(saga, mix);
      const replay = `SAGA_CHAOS_SEED=${bus.seed}`;
      expect(bus.failures, replay).toEqual([]);
      // The bus really misbehaved: every event went out twice, and some arrived after later ones.
      expect(bus.copiesSent, replay).toBeGreaterThanOrEqual(2 * mix.placed.length * 2);
      expect(bus.overtaken, replay).toBeGreaterThan(0);
      expect(unruly, replay).toEqual(EXPECTED_OUTCOMES);
      expect(unruly, replay).toEqual(wellBehaved);
      expectStockFollowsOrders(mix, unruly);
    });
  },
);
