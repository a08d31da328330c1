// The catalog's events end to end on every bus transport: a change commits with its events in
// the outbox, reaches the bus, and the catalog's listing (the read model ListProducts serves)
// follows; duplicates have one effect, a crash before publishing loses nothing, poison goes to
// the DLQ with a reason while the rest flow on, and a broker outage costs no write and no event.

import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from "vitest";
import { startCatalog } from "../../functions/catalog/app.js";
import { productCreated, stockAdjusted } from "../../functions/catalog/events.js";
import { LISTING_CONSUMER } from "../../functions/catalog/features/project-listing/project-listing.js";
import { toProductMessage } from "../../functions/catalog/product.js";
import {
  ProductCreatedSchema,
  ProductUpdatedSchema,
  StockAdjustedSchema,
} from "../../functions/gen/catalog/v1/events_pb.js";
import type { DeadLetter } from "../../functions/platform/bus/port.js";
import {
  type CatalogOnBus,
  catalogClient,
  deadPublisher,
  probeConsumer,
  productRow,
  startCatalogOnBus,
  uniqueTag,
} from "./catalog-on-bus.js";
import { MAX_RECEIVE_COUNT, type OpenTransport, QUEUE, transports } from "./transports.js";

// Generous: a slow CI machine must not fail these; a passing run takes far less.
const EVENTUALLY = { timeout: 20_000, interval: 50 };
// SNS/SQS retries a failed message after 2 s, then 4 s, before the third attempt.
const DEAD_LETTERED = { timeout: 40_000, interval: 100 };

const newProduct = (tag: string, n = 1) => ({
  sku: `EV-${tag}-${n}`,
  name: `Teapot ${tag} ${n}`,
  description: "Cast iron",
  price: { amountMinor: 4500n, currency: "JPY" },
  initialStock: 5,
});

const byId = <T extends { id: string }>(items: T[]) =>
  [...items].sort((a, b) => a.id.localeCompare(b.id));

describe.each(transports)("catalog events over $name", (transport) => {
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

    /** The dead letter of the catalog queue carrying this envelope, if any. */
    async function deadLetterOf(envelopeId: string): Promise<DeadLetter | undefined> {
      const letters = await bus.deadLetters.list(QUEUE);
      return letters.find((letter) => letter.body.includes(`"id":"${envelopeId}"`));
    }

    it("puts a created, updated and stock-adjusted product in the listing through its events", async () => {
      const tag = uniqueTag();
      const { client } = system;
      const { product: created } = await client.createProduct(newProduct(tag));
      await vi.waitFor(async () => expect(await system.listed(tag)).toEqual([created]), EVENTUALLY);

      const id = created?.id ?? "";
      const { product: updated } = await client.updateProduct({ id, name: `Kettle ${tag}` });
      expect(updated).toMatchObject({ name: `Kettle ${tag}`, revision: 2 });
      await vi.waitFor(async () => expect(await system.listed(tag)).toEqual([updated]), EVENTUALLY);

      const { product: adjusted } = await client.adjustStock({ id, delta: -2, reason: "sold" });
      expect(adjusted).toMatchObject({ stock: 3, revision: 3 });
      await vi.waitFor(
        async () => expect(await system.listed(tag)).toEqual([adjusted]),
        EVENTUALLY,
      );
      expect((await client.getProduct({ id })).product).toEqual(adjusted);

      // Each change went out through the outbox, and each was delivered to the queue.
      const rows = await system.outboxOf(id);
      expect(rows.map((row) => row.type).sort()).toEqual(
        [ProductCreatedSchema, ProductUpdatedSchema, StockAdjustedSchema]
          .map((schema) => schema.typeName)
          .sort(),
      );
      for (const row of rows) {
        expect(row.publishedAt).not.toBeNull();
        expect(system.deliveries.get(row.id)).toBeGreaterThanOrEqual(1);
      }
    });

    it("gives a message delivered twice one effect", async () => {
      const probe = probeConsumer(system.catalog.db, "test-duplicates");
      system.probes.add(probe.handle);
      onTestFinished(() => void system.probes.delete(probe.handle));
      const tag = uniqueTag();
      const row = productRow(tag);
      const envelope = productCreated(row);

      await bus.publisher.publish([envelope]);
      await bus.publisher.publish([envelope]);

      await vi.waitFor(
        () => expect(system.deliveries.get(envelope.id)).toBeGreaterThanOrEqual(2),
        EVENTUALLY,
      );
      expect(probe.calls.get(envelope.id)).toBe(1);
      expect(await system.inboxOf(envelope.id, probe.name)).toHaveLength(1);
      expect(await system.inboxOf(envelope.id, LISTING_CONSUMER)).toHaveLength(1);
      expect(await system.listed(tag)).toEqual([toProductMessage(row)]);
    });

    it("delivers an event committed just before a crash, through the sweeper", async () => {
      // A second instance of the catalog on the same database whose process "dies" between
      // commit and publish; the running instance's sweeper is the one that picks up after it.
      const crashed = await startCatalog(system.config, { publisher: deadPublisher });
      let closed = false;
      onTestFinished(() => (closed ? undefined : crashed.close()));
      const tag = uniqueTag();
      const { product } = await catalogClient(crashed).createProduct(newProduct(tag));
      await crashed.close();
      closed = true;

      const id = product?.id ?? "";
      expect(await system.outboxOf(id)).toEqual([
        expect.objectContaining({
          type: ProductCreatedSchema.typeName,
          publishedAt: null,
          attempts: 1,
          lastError: "the process died before publishing",
        }),
      ]);
      expect(await system.listed(tag)).toEqual([]);

      await vi.waitFor(async () => expect(await system.listed(tag)).toEqual([product]), EVENTUALLY);
      expect((await system.outboxOf(id))[0]?.publishedAt).not.toBeNull();
    });

    it("dead-letters poison at once, with the reason, while other events flow on", async () => {
      const tag = uniqueTag();
      const badPayload = {
        ...productCreated(productRow(tag)),
        // Valid base64, but not a ProductCreated: a length-delimited field cut short.
        data_base64: Buffer.from([0x0a, 0x05, 0x01]).toString("base64"),
      };
      const notAnEnvelope = `not an envelope ${tag}`;
      await bus.publisher.publish([badPayload]);
      await bus.sendRaw(notAnEnvelope);
      const { product } = await system.client.createProduct(newProduct(tag));

      await vi.waitFor(async () => expect(await system.listed(tag)).toEqual([product]), EVENTUALLY);
      await vi.waitFor(async () => {
        const letters = await bus.deadLetters.list(QUEUE);
        expect(letters.find((letter) => letter.body === notAnEnvelope)).toMatchObject({
          reason: expect.stringContaining("not JSON"),
          receiveCount: 1,
        });
        expect(letters.find((letter) => letter.body.includes(badPayload.id))).toMatchObject({
          reason: expect.stringContaining(`payload is not a ${ProductCreatedSchema.typeName}`),
          receiveCount: 1,
        });
      }, DEAD_LETTERED);
      expect(await system.inboxOf(badPayload.id, LISTING_CONSUMER)).toEqual([]);
    });

    it("dead-letters a message after maxReceiveCount failed attempts, and redrive brings it back", async () => {
      let failing = true;
      const target = productCreated(productRow(uniqueTag()));
      const probe = probeConsumer(
        system.catalog.db,
        "test-flaky",
        (id) => failing && id === target.id,
      );
      system.probes.add(probe.handle);
      onTestFinished(() => void system.probes.delete(probe.handle));

      await bus.publisher.publish([target]);
      const tag = uniqueTag();
      const { product } = await system.client.createProduct(newProduct(tag));
      await vi.waitFor(async () => expect(await system.listed(tag)).toEqual([product]), EVENTUALLY);

      await vi.waitFor(async () => expect(await deadLetterOf(target.id)).toBeDefined(), {
        ...DEAD_LETTERED,
        interval: 250,
      });
      expect(probe.calls.get(target.id)).toBe(MAX_RECEIVE_COUNT);
      expect(await deadLetterOf(target.id)).toMatchObject({
        reason: expect.stringContaining(`probe test-flaky fails on ${target.id}`),
        receiveCount: MAX_RECEIVE_COUNT,
      });
      expect(await system.inboxOf(target.id, probe.name)).toEqual([]);

      failing = false;
      expect(await bus.deadLetters.redrive(QUEUE)).toBeGreaterThanOrEqual(1);
      await vi.waitFor(
        async () => expect(await system.inboxOf(target.id, probe.name)).toHaveLength(1),
        EVENTUALLY,
      );
      expect(probe.calls.get(target.id)).toBe(MAX_RECEIVE_COUNT + 1);
      expect(await deadLetterOf(target.id)).toBeUndefined();
    });

    it("ends in the newest listing when a product's events arrive out of order", async () => {
      const tag = uniqueTag();
      const created = productRow(tag, { stock: 5, revision: 1 });
      const adjusted = {
        ...created,
        stock: 3,
        revision: 2,
        updatedAt: new Date(created.updatedAt.getTime() + 1000),
      };
      const late = productCreated(created);
      const early = stockAdjusted(adjusted, -2, "sold");

      await bus.publisher.publish([early]);
      await vi.waitFor(
        async () => expect(await system.inboxOf(early.id, LISTING_CONSUMER)).toHaveLength(1),
        EVENTUALLY,
      );
      await bus.publisher.publish([late]);
      await vi.waitFor(
        async () => expect(await system.inboxOf(late.id, LISTING_CONSUMER)).toHaveLength(1),
        EVENTUALLY,
      );
      expect(await system.listed(tag)).toEqual([toProductMessage(adjusted)]);
    });

    // The embedded bus lives in the service's own database: there is no broker to lose.
    if (transport.hasBroker) {
      it("takes writes while the broker is unreachable and delivers every event once it is back", async () => {
        const proxy = bus.proxy;
        if (!proxy) throw new Error(`${transport.name} has no proxy to cut`);
        proxy.cut();
        onTestFinished(() => proxy.restore());
        const tag = uniqueTag();
        const responses = await Promise.all(
          [1, 2, 3].map((n) => system.client.createProduct(newProduct(tag, n))),
        );
        const created = responses.map(({ product }) => product ?? expect.fail("no product"));

        // Every write committed with its event, none of which could be published.
        for (const product of created) {
          expect(await system.outboxOf(product.id)).toEqual([
            expect.objectContaining({ publishedAt: null, lastError: expect.any(String) }),
          ]);
        }
        expect(await system.listed(tag)).toEqual([]);

        proxy.restore();
        await vi.waitFor(
          async () => expect(byId(await system.listed(tag))).toEqual(byId(created)),
          { timeout: 40_000, interval: 100 },
        );
        for (const product of created) {
          expect((await system.outboxOf(product.id))[0]?.publishedAt).not.toBeNull();
        }
      });
    }
  });
});
