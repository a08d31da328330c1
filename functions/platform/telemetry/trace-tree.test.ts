// The trace printer: a tree from the parent ids (children by start, whatever the file order),
// spans whose parent was never recorded shown at the top and marked, errors and exceptions on
// their span, and the list of recent traces newest first.
import { describe, expect, it } from "vitest";
import type { SpanRecord } from "./trace-files.js";
import {
  buildTree,
  duration,
  renderTrace,
  renderTraceList,
  summarizeTraces,
} from "./trace-tree.js";

const T0 = Date.UTC(2026, 10, 29, 7, 50, 1, 123);
const TRACE = "4bf92f3577b34da6a3ce929d0e0e4736";

function span(
  spanId: string,
  parentSpanId: string | undefined,
  start: number,
  end: number,
  more: Partial<SpanRecord> = {},
): SpanRecord {
  return {
    traceId: TRACE,
    spanId,
    ...(parentSpanId ? { parentSpanId } : {}),
    name: `span ${spanId}`,
    kind: "INTERNAL",
    service: "orders",
    scope: "slipway.orders",
    startMs: T0 + start,
    endMs: T0 + end,
    durationMs: end - start,
    status: { code: "UNSET" },
    attributes: {},
    events: [],
    links: [],
    ...more,
  };
}

// In the order a batch exporter writes them: children end, so they come, before parents.
const ORDER = [
  span("c1", "b1", 3, 9, { name: "INSERT orders", service: "orders", kind: "CLIENT" }),
  span("b1", "a1", 2, 20, {
    name: "slipway.orders.v1.OrdersService/PlaceOrder",
    kind: "SERVER",
  }),
  span("b2", "a1", 21, 22, { name: "publish", kind: "PRODUCER" }),
  span("a1", undefined, 0, 25.5, { name: "POST /v1/orders", service: "gateway", kind: "SERVER" }),
  span("d1", "b2", 40, 47, {
    name: "consume slipway.orders.v1.OrderPlaced",
    service: "payments",
    kind: "CONSUMER",
    status: { code: "ERROR", message: "provider down" },
    events: [
      {
        name: "exception",
        timeMs: T0 + 46,
        attributes: { "exception.type": "ProviderError", "exception.message": "provider down" },
      },
    ],
  }),
  span("e1", "ffffffffffffffff", 30, 31, { name: "consume lost", service: "catalog" }),
];

describe("buildTree", () => {
  it("hangs each span under its parent, every level by start time", () => {
    const roots = buildTree(ORDER);
    const shape = (nodes: ReturnType<typeof buildTree>): unknown[] =>
      nodes.map((node) => [node.span.spanId, node.orphan, shape(node.children)]);
    expect(shape(roots)).toEqual([
      [
        "a1",
        false,
        [
          ["b1", false, [["c1", false, []]]],
          ["b2", false, [["d1", false, []]]],
        ],
      ],
      ["e1", true, []],
    ]);
  });

  it("shows a span listed twice once, and a span that names itself its parent at the top", () => {
    const twice = [ORDER[3] as SpanRecord, ORDER[3] as SpanRecord, span("x", "x", 1, 2)];
    expect(buildTree(twice).map((node) => [node.span.spanId, node.orphan])).toEqual([
      ["a1", false],
      ["x", true],
    ]);
  });
});

describe("renderTrace", () => {
  it("prints the tree with service, name, kind, duration, offset and errors", () => {
    expect(renderTrace(ORDER)).toBe(
      [
        `trace ${TRACE} · 6 spans · 47.0 ms · started 2026-11-29 07:50:01.123 UTC · catalog, gateway, orders, payments · 1 with errors`,
        "",
        "     start   duration  service/span (kind)",
        "  +0.00 ms    25.5 ms  gateway  POST /v1/orders  (server)",
        "  +2.00 ms    18.0 ms  ├─ orders  slipway.orders.v1.OrdersService/PlaceOrder  (server)",
        "  +3.00 ms    6.00 ms  │  └─ orders  INSERT orders  (client)",
        "  +21.0 ms    1.00 ms  └─ orders  publish  (producer)",
        "  +40.0 ms    7.00 ms     └─ payments  consume slipway.orders.v1.OrderPlaced  (consumer)  ✗ ERROR: provider down",
        "                                ! exception ProviderError: provider down",
        "  +30.0 ms    1.00 ms  catalog  consume lost  (internal)  [parent ffffffffffffffff not recorded]",
        "",
      ].join("\n"),
    );
  });

  it("prints nothing for no spans", () => {
    expect(renderTrace([])).toBe("");
  });
});

describe("summarizeTraces and renderTraceList", () => {
  const other = [
    {
      ...span("z1", undefined, 1000, 1002, { name: "GET /v1/products/{id}", service: "gateway" }),
      traceId: "a".repeat(32),
    },
  ];

  it("lists traces newest first with their root, span count, errors and duration", () => {
    const summaries = summarizeTraces([...ORDER, ...other]);
    expect(
      summaries.map((s) => [s.traceId, s.root.spanId, s.spans, s.errors, s.durationMs]),
    ).toEqual([
      ["a".repeat(32), "z1", 1, 0, 2],
      [TRACE, "a1", 6, 1, 47],
    ]);
    expect(renderTraceList(summaries)).toBe(
      [
        "started (UTC)              duration  spans  errors  trace id                          root",
        `2026-11-29 07:50:02.123     2.00 ms      1       0  ${"a".repeat(32)}  gateway  GET /v1/products/{id}`,
        `2026-11-29 07:50:01.123     47.0 ms      6       1  ${TRACE}  gateway  POST /v1/orders`,
        "",
      ].join("\n"),
    );
  });

  it("marks a trace whose root receives a batch from the bus", () => {
    const receive = span("r1", undefined, 50, 51, {
      traceId: "b".repeat(32),
      kind: "CONSUMER",
      attributes: { "messaging.operation.type": "receive" },
    });
    expect(summarizeTraces([...ORDER, receive]).map((s) => [s.traceId, s.busReceive])).toEqual([
      ["b".repeat(32), true],
      [TRACE, false],
    ]);
  });

  it("takes the earliest span as the root of a trace whose root was not recorded", () => {
    const [summary] = summarizeTraces(ORDER.filter((s) => s.spanId !== "a1"));
    expect(summary?.root.spanId).toBe("b1");
  });
});

describe("duration", () => {
  it("keeps three significant digits or so", () => {
    expect([0.4213, 12.34, 250.4, 1250].map(duration)).toEqual([
      "0.42 ms",
      "12.3 ms",
      "250 ms",
      "1.25 s",
    ]);
  });
});
