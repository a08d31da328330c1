import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { metrics, setMetricsSink } from "../metrics.js";
import { metricsHandler, PROMETHEUS_CONTENT_TYPE, renderPrometheus } from "./exposition.js";
import { createMetricsRegistry, defaultRegistry } from "./registry.js";

describe("the in-process registry", () => {
  it("adds counts per name and dimensions, whatever order the dimensions come in", () => {
    const registry = createMetricsRegistry();
    registry.count("payments_total", { outcome: "authorized" });
    registry.count("payments_total", { outcome: "authorized" }, 2);
    registry.count("payments_total", { outcome: "declined" });
    registry.count("events_consumed_total", { consumer: "c", outcome: "ok" });
    registry.count("events_consumed_total", { outcome: "ok", consumer: "c" });
    registry.count("orders_placed_total", { empty: "" });
    expect(registry.snapshot().counters).toEqual([
      { name: "events_consumed_total", dimensions: { consumer: "c", outcome: "ok" }, value: 2 },
      { name: "orders_placed_total", dimensions: {}, value: 1 },
      { name: "payments_total", dimensions: { outcome: "authorized" }, value: 3 },
      { name: "payments_total", dimensions: { outcome: "declined" }, value: 1 },
    ]);
  });

  it("keeps durations as count, sum, min, max and cumulative buckets", () => {
    const registry = createMetricsRegistry([10, 100]);
    for (const ms of [3, 10, 42, 250]) registry.duration("rpc_server_duration_ms", ms);
    expect(registry.snapshot().durations).toEqual([
      {
        name: "rpc_server_duration_ms",
        dimensions: {},
        count: 4,
        sum: 305,
        min: 3,
        max: 250,
        buckets: [2, 3, 4],
      },
    ]);
  });

  it("ignores values that are not finite numbers, and counts that go down", () => {
    const registry = createMetricsRegistry();
    registry.count("orders_placed_total", {}, Number.NaN);
    registry.count("orders_placed_total", {}, -1);
    registry.duration("rpc_client_duration_ms", Number.POSITIVE_INFINITY);
    expect(registry.snapshot()).toMatchObject({ counters: [], durations: [] });
  });

  it("hands out copies, and forgets everything on reset", () => {
    const registry = createMetricsRegistry();
    registry.count("orders_placed_total");
    const before = registry.snapshot();
    registry.count("orders_placed_total");
    expect(before.counters[0]?.value).toBe(1);
    registry.reset();
    expect(registry.snapshot().counters).toEqual([]);
  });

  it("is where `metrics` records until a run mode installs a sink", () => {
    defaultRegistry.reset();
    metrics.count("orders_confirmed_total");
    const other = createMetricsRegistry();
    const previous = setMetricsSink(other);
    metrics.count("orders_confirmed_total");
    setMetricsSink(previous);
    expect(defaultRegistry.snapshot().counters).toMatchObject([{ value: 1 }]);
    expect(other.snapshot().counters).toMatchObject([{ value: 1 }]);
  });
});

describe("the Prometheus text format", () => {
  it("renders counters and histograms with help, type and escaped labels", () => {
    const registry = createMetricsRegistry([10, 100]);
    registry.count("orders_placed_total");
    registry.count("orders_placed_total");
    registry.count("orders_rejected_total", { reason: "out_of_stock" });
    registry.count("events_consumed_total", { consumer: 'a "quoted"\\back\nslash' });
    registry.count("payments_total", { "bad-name": "x" }, 0.5);
    registry.duration("rpc_server_duration_ms", 7, { procedure: "/p.S/M", code: "ok" });
    registry.duration("rpc_server_duration_ms", 70, { procedure: "/p.S/M", code: "ok" });
    registry.duration("rpc_server_duration_ms", 700, { procedure: "/p.S/M", code: "ok" });

    expect(renderPrometheus(registry.snapshot())).toBe(
      [
        "# HELP events_consumed_total Events handled by a consumer, by outcome.",
        "# TYPE events_consumed_total counter",
        'events_consumed_total{consumer="a \\"quoted\\"\\\\back\\nslash"} 1',
        "# HELP orders_placed_total Orders placed (committed, not idempotent replays).",
        "# TYPE orders_placed_total counter",
        "orders_placed_total 2",
        "# HELP orders_rejected_total Orders rejected, by reason.",
        "# TYPE orders_rejected_total counter",
        'orders_rejected_total{reason="out_of_stock"} 1',
        "# HELP payments_total Payment operations, by outcome.",
        "# TYPE payments_total counter",
        'payments_total{bad_name="x"} 0.5',
        "# HELP rpc_server_duration_ms Duration of RPCs served, in milliseconds.",
        "# TYPE rpc_server_duration_ms histogram",
        'rpc_server_duration_ms_bucket{code="ok",procedure="/p.S/M",le="10"} 1',
        'rpc_server_duration_ms_bucket{code="ok",procedure="/p.S/M",le="100"} 2',
        'rpc_server_duration_ms_bucket{code="ok",procedure="/p.S/M",le="+Inf"} 3',
        'rpc_server_duration_ms_sum{code="ok",procedure="/p.S/M"} 777',
        'rpc_server_duration_ms_count{code="ok",procedure="/p.S/M"} 3',
        "# HELP rpc_server_duration_ms_min Least rpc_server_duration_ms.",
        "# TYPE rpc_server_duration_ms_min gauge",
        'rpc_server_duration_ms_min{code="ok",procedure="/p.S/M"} 7',
        "# HELP rpc_server_duration_ms_max Greatest rpc_server_duration_ms.",
        "# TYPE rpc_server_duration_ms_max gauge",
        'rpc_server_duration_ms_max{code="ok",procedure="/p.S/M"} 700',
        "",
      ].join("\n"),
    );
  });

  it("renders nothing for an empty registry", () => {
    expect(renderPrometheus(createMetricsRegistry().snapshot())).toBe("");
  });

  it("is served by the handler as text/plain version 0.0.4", async () => {
    const registry = createMetricsRegistry();
    registry.count("orders_refunded_total");
    const app = new Hono().get("/metrics", metricsHandler(registry));
    const response = await app.request("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe(PROMETHEUS_CONTENT_TYPE);
    expect(await response.text()).toContain("\norders_refunded_total 1\n");
  });
});
