// The events part of the bench report, as markdown: one row per transport and phase, skipped
// transports named loudly, and how the figures were taken.

import type { EventFigures } from "./event-clock.js";
import type { TransportResult } from "./events.js";
import type { BenchOptions } from "./options.js";
import { CHANGES_PER_PRODUCT } from "./product-changes.js";

export function renderEventsMarkdown(
  results: readonly TransportResult[],
  options: BenchOptions,
): string[] {
  const skipped = results.filter((result) => result.status === "skipped");
  return [
    "## Events",
    "",
    ...skipped.map((result) => `**SKIPPED: ${result.transport}**: ${result.why}.`),
    ...(skipped.length > 0 ? [""] : []),
    "Commit → handled (ms), commit = the RPC returned; dispatch → handled (ms), dispatch = the " +
      "outbox handed the event to the bus, just after the commit:",
    "",
    "| transport | phase | load | events | committed/s | handled/s | p50 | p99 | max | dispatch p50 | dispatch p99 |",
    "|---|---|---|--:|--:|--:|--:|--:|--:|--:|--:|",
    ...results.flatMap((result) =>
      result.status === "skipped"
        ? [`| ${result.transport} | **SKIPPED** | see above | | | | | | | | |`]
        : [
            row(result.transport, "latency", `${options.eventRate}/s paced`, result.latency),
            row(
              result.transport,
              "throughput",
              `${options.eventConcurrency} in flight`,
              result.throughput,
            ),
          ],
    ),
    "",
    ...results.flatMap((result) =>
      result.status === "measured" ? [`- **${result.transport}**: ${result.detail}`] : [],
    ),
    ...oddities(results),
    "",
    `Method: per transport, a fresh catalog in the bench's process (PGlite in a new temporary ` +
      `directory) writes each change and its event in one transaction, dispatches it after ` +
      `commit (outbox sweeper running), and its own consumer (the listing projection, inbox ` +
      `included) handles the catalog queue. Changes go through an in-process Connect client: ` +
      `per product one CreateProduct then ${CHANGES_PER_PRODUCT - 1} AdjustStock, in order. ` +
      `**commit** = the change's RPC returned, which is after the outbox has published the ` +
      `event (the change runner dispatches before answering), so commit → handled leaves out ` +
      `the publish and can even be ≤ 0; **dispatch** (a wrapper around the bus publisher) ` +
      `includes it and misses only the outbox's claim of the row. **handled** = the consumer ` +
      `finished that event (matched by product id and revision). **handled/s** = events ÷ ` +
      `(first commit → last handled). After a warm-up, **latency** offers changes at a fixed ` +
      `rate (open loop, below ` +
      `saturation): the pipeline's own delay. **throughput** keeps ${options.eventConcurrency} ` +
      `changes in flight (closed loop) and measures how many events/s get through; its ` +
      `latencies are mostly time queued behind earlier events and grow with the number sent.`,
  ];
}

function row(transport: string, phase: string, load: string, figures: EventFigures): string {
  return (
    `| ${transport} | ${phase} | ${load} | ${figures.events} | ` +
    `${rate(figures.committedPerSecond)} | ${rate(figures.eventsPerSecond)} | ` +
    `${ms(figures.p50Ms)} | ${ms(figures.p99Ms)} | ${ms(figures.maxMs)} | ` +
    `${ms(figures.fromDispatch.p50Ms)} | ${ms(figures.fromDispatch.p99Ms)} |`
  );
}

// Not errors, but worth a line when they happen.
function oddities(results: readonly TransportResult[]): string[] {
  return results.flatMap((result) => {
    if (result.status !== "measured") return [];
    const lines: string[] = [];
    for (const [phase, figures] of [
      ["latency", result.latency],
      ["throughput", result.throughput],
    ] as const) {
      if (figures.handledBeforeReturn > 0) {
        lines.push(
          `- ${result.transport} ${phase}: ${count(figures.handledBeforeReturn, "event")} ` +
            "handled before the RPC returned (counted as ≤ 0 ms)",
        );
      }
      if (figures.redeliveries > 0) {
        lines.push(
          `- ${result.transport} ${phase}: ${count(figures.redeliveries, "redelivery", "redeliveries")} (at-least-once)`,
        );
      }
    }
    return lines;
  });
}

function count(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

function rate(value: number): string {
  return Number.isFinite(value) ? value.toFixed(0) : "n/a";
}

function ms(value: number): string {
  if (!Number.isFinite(value)) return "n/a";
  return value.toFixed(Math.abs(value) < 10 ? 2 : Math.abs(value) < 100 ? 1 : 0);
}
