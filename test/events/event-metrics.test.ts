// The event counters on every transport: published and failed publishes by type, consumed by
// consumer and outcome (ok, duplicate), retried deliveries, and dead letters by queue.
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { outbox } from "../../functions/catalog/db/schema.js";
import { productCreated } from "../../functions/catalog/events.js";
import { recordEvents } from "../../functions/platform/events/outbox.js";
import { createOutboxDispatcher } from "../../functions/platform/events/outbox-dispatcher.js";
import { createLogger } from "../../functions/platform/logger.js";
import {
  type Dimensions,
  type MetricsSink,
  setMetricsSink,
} from "../../functions/platform/metrics.js";
import {
  type CatalogOnBus,
  deadPublisher,
  productRow,
  startCatalogOnBus,
  uniqueTag,
} from "./catalog-on-bus.js";
import { type OpenTransport, QUEUE, transports } from "./transports.js";

const counts = new Map<string, number>();
const keyOf = (name: string, dimensions: Dimensions = {}) =>
  `${name} ${JSON.stringify(Object.fromEntries(Object.entries(dimensions).sort()))}`;
const sink: MetricsSink = {
  count(name, dimensions, value = 1) {
    const key = keyOf(name, dimensions);
    counts.set(key, (counts.get(key) ?? 0) + value);
  },
  duration() {},
};
const countOf = (name: string, dimensions: Dimensions) => counts.get(keyOf(name, dimensions)) ?? 0;

let previous: MetricsSink | undefined;
beforeAll(() => {
  previous = setMetricsSink(sink);
});
afterAll(() => {
  setMetricsSink(previous);
});

// SNS/SQS retries a failed message after 2 s.
const EVENTUALLY = { timeout: 30_000, interval: 50 };
const CREATED = "slipway.catalog.v1.ProductCreated";

describe.each(transports)("event metrics over $name", (transport) => {
  transport.describe("a catalog publishing and consuming its own events", () => {
    let bus: OpenTransport;
    let system: CatalogOnBus;
    beforeAll(async () => {
      bus = await transport.open();
      system = await startCatalogOnBus(bus, transport.dataDir);
    });
    afterAll(async () => {
      await system?.stop();
      await bus?.close();
    });

    it("counts what is published and consumed", async () => {
      const published = countOf("events_published_total", { type: CREATED });
      const consumed = countOf("events_consumed_total", {
        consumer: "product-listing",
        outcome: "ok",
      });
      const tag = uniqueTag();
      await system.client.createProduct({
        sku: `METRIC-${tag}`,
        name: `Counted ${tag}`,
        price: { amountMinor: 100n, currency: "EUR" },
      });
      await vi.waitFor(() => {
        expect(countOf("events_published_total", { type: CREATED })).toBe(published + 1);
        expect(
          countOf("events_consumed_total", { consumer: "product-listing", outcome: "ok" }),
        ).toBe(consumed + 1);
      }, EVENTUALLY);
    });

    it("counts a redelivery as retried, and its second application as a duplicate", async () => {
      const envelope = productCreated(productRow(uniqueTag()));
      let failures = 0;
      // After the listing applied it, a probe fails once: the message comes back.
      system.probes.add(async (delivery) => {
        if (delivery.body.includes(envelope.id) && failures++ === 0) throw new Error("once");
      });
      const retried = countOf("events_retried_total", { consumer: "product-listing" });
      await bus.publisher.publish([envelope]);
      await vi.waitFor(() => {
        expect(
          countOf("events_consumed_total", { consumer: "product-listing", outcome: "duplicate" }),
        ).toBeGreaterThanOrEqual(1);
        expect(countOf("events_retried_total", { consumer: "product-listing" })).toBe(retried + 1);
      }, EVENTUALLY);
    });

    it("counts a dead letter by queue", async () => {
      const dead = countOf("events_dead_lettered_total", { queue: QUEUE });
      await bus.sendRaw("this is no envelope");
      await vi.waitFor(() => {
        expect(countOf("events_dead_lettered_total", { queue: QUEUE })).toBe(dead + 1);
      }, EVENTUALLY);
    });

    it("counts a failed publish by type", async () => {
      const failed = countOf("events_publish_failed_total", { type: CREATED });
      const envelope = productCreated(productRow(uniqueTag()));
      const { db } = system.catalog;
      await recordEvents(db, outbox, [envelope]);
      const dispatcher = createOutboxDispatcher({
        db,
        outbox,
        publisher: deadPublisher,
        logger: createLogger("test", "SILENT"),
      });
      await dispatcher.dispatch([envelope.id]);
      // The catalog's own sweeper publishes it after the backoff.
      expect(countOf("events_publish_failed_total", { type: CREATED })).toBe(failed + 1);
    });
  });
});
