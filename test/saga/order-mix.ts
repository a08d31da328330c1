/**
 * A mix of orders for whole-saga tests: a few of each kind (paid, declined, short of funds, paid
 * through a flaky provider, out of stock, cancelled before their outcome, cancelled after their
 * confirmation), each kind on a product of its own, placed at once; and each order's final
 * state across the three services, in a form two runs can be compared in.
 *
 * @example
 * const mix = await runMix(saga, "calm");
 * expect(await outcomesOf(saga, mix)).toEqual(expected);
 */
import { inArray } from "drizzle-orm";
import { expect, vi } from "vitest";
import { reservations } from "../../functions/catalog/db/schema.js";
import type { Product } from "../../functions/gen/catalog/v1/catalog_pb.js";
import { OrderStatus } from "../../functions/gen/orders/v1/orders_pb.js";
import {
  type OrderRow,
  orderSummaries,
  outbox as ordersOutbox,
  type Reason,
  type Status,
  shortLines,
} from "../../functions/orders/db/schema.js";
import { ledger, payments, providerRecords } from "../../functions/payments/db/schema.js";
import type { Saga } from "./harness.js";

export const SCENARIOS = [
  "paid",
  "declined",
  "insufficient-funds",
  "flaky-provider",
  "out-of-stock",
  "cancelled-before-outcome",
  "cancelled-after-confirmation",
] as const;
export type Scenario = (typeof SCENARIOS)[number];

export interface Plan {
  token: string;
  /** The stock of the scenario's own product. */
  stock: number;
  quantity: number;
  cancel?: "before-outcome" | "after-confirmation";
}

export const PLANS: Record<Scenario, Plan> = {
  paid: { token: "tok_success", stock: 10, quantity: 1 },
  declined: { token: "tok_declined", stock: 10, quantity: 1 },
  "insufficient-funds": { token: "tok_insufficient_funds", stock: 10, quantity: 1 },
  "flaky-provider": { token: "tok_flaky", stock: 10, quantity: 1 },
  "out-of-stock": { token: "tok_success", stock: 1, quantity: 2 },
  "cancelled-before-outcome": {
    token: "tok_success",
    stock: 10,
    quantity: 1,
    cancel: "before-outcome",
  },
  "cancelled-after-confirmation": {
    token: "tok_success",
    stock: 10,
    quantity: 1,
    cancel: "after-confirmation",
  },
};

export const PER_SCENARIO = 4;
export const PRICE = 700n;

/** One order's final state across the three services. */
export interface Outcome {
  status: Status;
  reason: Reason | null;
  shortLines: string[];
  payment: string;
  ledger: string[];
  /** The provider's operations on the order, with how often each was asked. */
  provider: string[];
  reservation: string;
  /** The events orders published about the order. */
  announced: string[];
  /** The customer's order list shows the order's last revision. */
  summaryCurrent: boolean;
}

// A cancellation before the outcome may meet an authorization (then voided) or overtake it
// (then none is ever made): the payments rules allow both, and neither moves money.
export const NO_CHARGE = "voided or never authorized";

export interface Placed {
  id: string;
  scenario: Scenario;
  customer: string;
}

export interface Mix {
  placed: Placed[];
  products: Record<Scenario, Product>;
  rows: Map<string, OrderRow>;
}

/** Places the mix, cancels what it cancels, and waits until everything has settled. */
export async function runMix(saga: Saga, tag: string): Promise<Mix> {
  const products = {} as Record<Scenario, Product>;
  for (const scenario of SCENARIOS) {
    products[scenario] = await saga.product(PLANS[scenario].stock, PRICE);
  }
  // Payments waits until the early cancellations are in: no order can have its outcome before
  // its customer cancels, so "before the outcome" holds on every run.
  await saga.pause("payments");
  let placed: Placed[];
  try {
    placed = await Promise.all(
      SCENARIOS.flatMap((scenario) =>
        Array.from({ length: PER_SCENARIO }, async (_, n) => {
          const customer = `${tag}-${scenario}-${n}`;
          const plan = PLANS[scenario];
          const client = saga.ordersClient(customer);
          const { order } = await client.placeOrder({
            lines: [{ productId: products[scenario].id, quantity: plan.quantity }],
            paymentToken: plan.token,
          });
          if (!order) throw new Error("PlaceOrder answered no order");
          if (plan.cancel === "before-outcome") {
            const { order: cancelled } = await client.cancelOrder({ id: order.id });
            expect(cancelled?.status).toBe(OrderStatus.CANCELLED);
          }
          return { id: order.id, scenario, customer };
        }),
      ),
    );
  } finally {
    await saga.resume("payments");
  }
  await Promise.all(
    placed
      .filter(({ scenario }) => PLANS[scenario].cancel === "after-confirmation")
      .map(async ({ id, customer }) => {
        const client = saga.ordersClient(customer);
        await vi.waitFor(
          async () =>
            expect((await client.getOrder({ id })).order?.status).toBe(OrderStatus.CONFIRMED),
          { timeout: 20_000, interval: 20 },
        );
        const { order } = await client.cancelOrder({ id });
        expect(order?.status).toBe(OrderStatus.REFUND_PENDING);
      }),
  );
  const rows = await saga.settled(
    placed.map(({ id }) => id),
    30_000,
  );
  return { placed, products, rows };
}

/** Each scenario's orders' final states (sorted) and its product's stock. */
export async function outcomesOf(saga: Saga, mix: Mix) {
  const ids = mix.placed.map(({ id }) => id);
  const short = await saga.orders.db
    .select()
    .from(shortLines)
    .where(inArray(shortLines.orderId, ids));
  const paid = await saga.payments.db.select().from(payments).where(inArray(payments.orderId, ids));
  const moved = await saga.payments.db.select().from(ledger).where(inArray(ledger.orderId, ids));
  const keys = ids.flatMap((id) =>
    ["authorize", "capture", "void", "refund"].map((op) => `${id}:${op}`),
  );
  const asked = await saga.payments.db
    .select()
    .from(providerRecords)
    .where(inArray(providerRecords.idempotencyKey, keys));
  const held = await saga.catalog.db
    .select()
    .from(reservations)
    .where(inArray(reservations.orderId, ids));
  const summaries = await saga.orders.db
    .select()
    .from(orderSummaries)
    .where(inArray(orderSummaries.orderId, ids));
  const announced = (await saga.orders.db.select().from(ordersOutbox)).map(
    (row) => JSON.parse(row.envelope) as { subject: string; type: string },
  );
  const about = <T>(rows: T[], id: (row: T) => string, orderId: string) =>
    rows.filter((row) => id(row) === orderId);

  const orders = Object.fromEntries(SCENARIOS.map((scenario) => [scenario, [] as Outcome[]]));
  for (const { id, scenario } of mix.placed) {
    const row = mix.rows.get(id);
    if (!row) throw new Error(`order ${id} not found`);
    const payment = paid.find((p) => p.orderId === id);
    const summary = summaries.find((s) => s.orderId === id);
    let outcome: Outcome = {
      status: row.status,
      reason: row.rejectionReason,
      shortLines: about(short, (l) => l.orderId, id).map(
        (l) => `${l.requested} requested, ${l.available} available`,
      ),
      payment: payment?.status ?? "none",
      ledger: about(moved, (m) => m.orderId, id)
        .map((m) => `${m.kind} ${m.amountMinor}`)
        .sort(),
      provider: about(asked, (r) => r.idempotencyKey.split(":")[0] ?? "", id)
        .map((r) => `${r.operation} x${r.attempts}`)
        .sort(),
      reservation: held.find((r) => r.orderId === id)?.status ?? "none",
      announced: about(announced, (e) => e.subject, id)
        .map((e) => e.type.split(".").at(-1) ?? "")
        .sort(),
      summaryCurrent: summary?.status === row.status && summary.revision === row.revision,
    };
    if (
      scenario === "cancelled-before-outcome" &&
      (outcome.payment === "voided" || outcome.payment === "cancelled") &&
      outcome.provider.every((op) => /^(authorize|void) x1$/.test(op))
    ) {
      outcome = { ...outcome, payment: NO_CHARGE, provider: [] };
    }
    orders[scenario]?.push(outcome);
  }
  const stock = {} as Record<Scenario, number | undefined>;
  for (const scenario of SCENARIOS) stock[scenario] = await saga.stockOf(mix.products[scenario].id);
  return {
    orders: Object.fromEntries(
      Object.entries(orders).map(([scenario, list]) => [
        scenario,
        list.sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b))),
      ]),
    ),
    stock,
  };
}

export type Outcomes = Awaited<ReturnType<typeof outcomesOf>>;
