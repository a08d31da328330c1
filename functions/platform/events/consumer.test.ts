// A consumer's reaction: events a handler publishes commit with the inbox record, are
// dispatched after commit, and are published once however often the event arrives.
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openCatalogDatabase } from "../../catalog/db/open.js";
import { inbox, outbox } from "../../catalog/db/schema.js";
import type { CatalogDb } from "../../catalog/product.js";
import { ProductCreatedSchema, ProductUpdatedSchema } from "../../gen/catalog/v1/events_pb.js";
import type { Delivery } from "../bus/port.js";
import { createLogger } from "../logger.js";
import { createEventConsumer, on } from "./consumer.js";
import { type Envelope, toEnvelope } from "./envelope.js";
import { createOutboxDispatcher } from "./outbox-dispatcher.js";

const logger = createLogger("test", "SILENT");

function created(id: string): Envelope {
  return toEnvelope({
    source: "catalog",
    subject: id,
    schema: ProductCreatedSchema,
    message: create(ProductCreatedSchema, { product: { id, name: "Pot" } }),
  });
}

const delivery = (envelope: Envelope): Delivery =>
  ({ body: JSON.stringify(envelope), receiveCount: 1 }) as unknown as Delivery;

describe("a consumer that reacts with events", () => {
  let database: Awaited<ReturnType<typeof openCatalogDatabase>>;
  let db: CatalogDb;
  const sent: Envelope[] = [];
  let failNext = false;

  const consumer = () =>
    createEventConsumer({
      name: "reacting",
      db,
      inbox,
      logger,
      outbox: {
        table: outbox,
        dispatcher: createOutboxDispatcher({
          db,
          outbox,
          logger,
          publisher: {
            publish: async (events) => void sent.push(...events),
            close: async () => {},
          },
        }),
      },
      handlers: [
        on(ProductCreatedSchema, async (event, { publish }) => {
          await publish(
            toEnvelope({
              source: "catalog",
              subject: event.product?.id ?? "",
              schema: ProductUpdatedSchema,
              message: create(ProductUpdatedSchema, { product: event.product }),
            }),
          );
          if (failNext) {
            failNext = false;
            throw new Error("the handler fails after publishing");
          }
        }),
      ],
    });

  beforeAll(async () => {
    database = await openCatalogDatabase({ DATA_DIR: "memory://" });
    db = database.db;
  });
  afterAll(() => database?.close());

  it("publishes its reaction once, after commit, however often the event arrives", async () => {
    const handle = consumer();
    const event = created("p-1");
    await handle(delivery(event));
    await handle(delivery(event));
    expect(sent.map((envelope) => [envelope.type, envelope.subject])).toEqual([
      ["slipway.catalog.v1.ProductUpdated", "p-1"],
    ]);
    const rows = await db.select().from(outbox);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.publishedAt).toBeInstanceOf(Date);
  });

  it("records nothing when the handler fails, so the retry publishes exactly once", async () => {
    sent.length = 0;
    const handle = consumer();
    const event = created("p-2");
    failNext = true;
    await expect(handle(delivery(event))).rejects.toThrow(/fails after publishing/);
    expect(sent).toEqual([]);
    expect(await db.$count(outbox)).toBe(1);
    await handle(delivery(event));
    expect(sent.map((envelope) => envelope.subject)).toEqual(["p-2"]);
  });

  it("refuses to publish without an outbox", async () => {
    const handle = createEventConsumer({
      name: "no-outbox",
      db,
      inbox,
      logger,
      handlers: [on(ProductCreatedSchema, async (_event, { publish }) => publish())],
    });
    await expect(handle(delivery(created("p-3")))).rejects.toThrow(/has no outbox/);
  });
});
