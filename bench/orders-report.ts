// The orders part of the bench report, as markdown: one row per setup and phase, skipped setups
// named loudly, and how the figures were taken.

import type { BenchOptions } from "./options.js";
import type { PhaseFigures, SetupResult } from "./orders.js";
import { CUSTOMERS, PRODUCTS } from "./saga-services.js";

export function renderOrdersMarkdown(
  results: readonly SetupResult[],
  options: BenchOptions,
): string[] {
  const skipped = results.filter((result) => result.status === "skipped");
  return [
    "## Orders",
    "",
    ...skipped.map((result) => `**SKIPPED: ${result.setup}**: ${result.why}.`),
    ...(skipped.length > 0 ? [""] : []),
    "Placed → CONFIRMED (ms), placed = PlaceOrder returned, CONFIRMED = the orders service " +
      "handed the order's OrderConfirmed to the bus, right after the commit that confirmed it; " +
      "dispatch → CONFIRMED (ms), dispatch = the order's OrderPlaced was handed to the bus, " +
      "just before PlaceOrder returned; PlaceOrder sent → returned (ms):",
    "",
    "| setup | phase | load | orders | placed/s | CONFIRMED/s | p50 | p99 | max | dispatch p50 | dispatch p99 | PlaceOrder p50 | PlaceOrder p99 |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...results.flatMap((result) =>
      result.status === "skipped"
        ? [`| ${result.setup} | **SKIPPED** | see above | | | | | | | | | | |`]
        : [
            row(result.setup, "latency", `${options.orderRate}/s paced`, result.latency),
            row(
              result.setup,
              "throughput",
              `${options.orderConcurrency} in flight`,
              result.throughput,
            ),
          ],
    ),
    "",
    ...notes(results),
    `Method: per setup, catalog, orders and payments start in the bench's process on a fresh ` +
      `database and bus, as \`npm start\` composes them: each service's consumer on its queue, ` +
      `its outbox sweeper and the reservation expiry running, orders pricing lines through ` +
      `catalog's app in process, one random internal secret. ${PRODUCTS} products with ample ` +
      `stock; each order takes two of them, one unit each, for one of ${CUSTOMERS} customers, and pays ` +
      `with tok_success, so every order must end CONFIRMED: a rejected, cancelled or stuck ` +
      `(60 s) order fails the bench. Orders go in through an in-process Connect client calling ` +
      `PlaceOrder as the customer. **placed** = PlaceOrder returned (the order is PENDING and ` +
      `its OrderPlaced on the bus); **CONFIRMED** = a wrapper around the bus publisher saw the ` +
      `order's own OrderConfirmed, which the orders service dispatches right after the commit ` +
      `that confirmed it; between them the saga's full path: catalog reserves the stock, ` +
      `payments authorizes, orders confirms, each a consumer transaction and a hop over the ` +
      `bus. **dispatch** = the order's OrderPlaced was handed to the bus, right after ` +
      `PlaceOrder's commit, so dispatch → CONFIRMED is the saga alone. After a ${options.warmupSeconds} s warm-up, **latency** offers orders at a fixed ` +
      `rate (open loop, below saturation): the saga's own delay. **throughput** keeps ` +
      `${options.orderConcurrency} orders in flight for ${options.orderSeconds} s (closed loop: ` +
      `an order is in flight from PlaceOrder until CONFIRMED). **CONFIRMED/s** = orders ÷ ` +
      `(first PlaceOrder sent → last CONFIRMED). Between phases the bench waits until every ` +
      `payment is captured, every reservation committed and every delivery handled.`,
  ];
}

function row(setup: string, phase: string, load: string, figures: PhaseFigures): string {
  return (
    `| ${setup} | ${phase} | ${load} | ${figures.orders} | ` +
    `${rate(figures.placedPerSecond)} | ${rate(figures.confirmedPerSecond)} | ` +
    `${ms(figures.p50Ms)} | ${ms(figures.p99Ms)} | ${ms(figures.maxMs)} | ` +
    `${ms(figures.fromDispatch.p50Ms)} | ${ms(figures.fromDispatch.p99Ms)} | ` +
    `${ms(figures.placeOrder.p50Ms)} | ${ms(figures.placeOrder.p99Ms)} |`
  );
}

// What each setup ran on, and what is worth a line when it happens; a blank line after.
function notes(results: readonly SetupResult[]): string[] {
  const lines = [
    ...results.flatMap((result) =>
      result.status === "measured" ? [`- **${result.setup}**: ${result.detail}`] : [],
    ),
    ...oddities(results),
  ];
  return lines.length > 0 ? [...lines, ""] : [];
}

// Not errors, but worth a line when they happen.
function oddities(results: readonly SetupResult[]): string[] {
  return results.flatMap((result) => {
    if (result.status !== "measured") return [];
    const lines: string[] = [];
    for (const [phase, figures] of [
      ["latency", result.latency],
      ["throughput", result.throughput],
    ] as const) {
      if (figures.confirmedBeforeReturn > 0) {
        lines.push(
          `- ${result.setup} ${phase}: ${figures.confirmedBeforeReturn} order(s) CONFIRMED ` +
            "before PlaceOrder returned (counted as ≤ 0 ms)",
        );
      }
      if (figures.deliveryFailures > 0) {
        lines.push(
          `- ${result.setup} ${phase}: ${figures.deliveryFailures} delivery failure(s), ` +
            "retried by the bus",
        );
      }
    }
    return lines;
  });
}

function rate(value: number): string {
  return Number.isFinite(value) ? value.toFixed(value < 100 ? 1 : 0) : "n/a";
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toFixed(Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0);
}
