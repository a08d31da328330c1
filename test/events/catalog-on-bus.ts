/**
 * A catalog running on a bus transport for event tests, wired as `npm start` wires it: its
 * database in PGlite, its events leaving through the outbox (dispatched after each commit and
 * by a sweeper), its queue consumed by its listing projection, and a Connect client calling its
 * real HTTP app in process.
 *
 * Tests that need a consumer of their own ("probes": counting, failing) add it to `probes`: the
 * queue has one subscriber, whose handler runs the catalog's consumer and then every probe. A
 * second subscriber on the same queue would compete for messages instead of seeing each one.
 *
 * @example
 * const system = await startCatalogOnBus(opened, transport.dataDir);
 * const { product } = await system.client.createProduct({ ... });
 * await vi.waitFor(async () => expect(await system.listed(name)).toEqual([product]));
 */
import { randomBytes } from "node:crypto";
import type { Client } from "@connectrpc/connect";
import { and, eq } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { type RunningCatalog, startCatalog } from "../../functions/catalog/app.js";
import { CatalogConfig } from "../../functions/catalog/config.js";
import { inbox, outbox, type ProductRow } from "../../functions/catalog/db/schema.js";
import type { CatalogDb } from "../../functions/catalog/product.js";
import { CatalogService, type Product } from "../../functions/gen/catalog/v1/catalog_pb.js";
import { ProductCreatedSchema } from "../../functions/gen/catalog/v1/events_pb.js";
import { TEST_INTERNAL_SECRET } from "../../functions/platform/auth/testing.js";
import type { BusPublisher, DeliveryHandler } from "../../functions/platform/bus/port.js";
import { loadConfig } from "../../functions/platform/config.js";
import { createEventConsumer, on } from "../../functions/platform/events/consumer.js";
import { createLogger } from "../../functions/platform/logger.js";
import { createServiceClient } from "../../functions/platform/rpc/client.js";
import { testCredentials } from "../../functions/platform/testing/credentials.js";
import { inProcessFetch } from "../../functions/platform/testing/in-process-fetch.js";
import { type OpenTransport, QUEUE } from "./transports.js";

export interface CatalogOnBus {
  catalog: RunningCatalog;
  config: CatalogConfig;
  client: Client<typeof CatalogService>;
  /** Extra consumers of the catalog queue, run on every delivery after the catalog's own. */
  probes: Set<DeliveryHandler>;
  /** How many deliveries of each envelope id the queue's handler has finished (ok or not). */
  deliveries: Map<string, number>;
  /** The listing (ListProducts, the read model) filtered by a text in the name. */
  listed(query: string): Promise<Product[]>;
  /** The outbox rows whose events are about this product. */
  outboxOf(productId: string): Promise<(typeof outbox.$inferSelect)[]>;
  /** The inbox rows of one event for one consumer: one once it has been applied. */
  inboxOf(eventId: string, consumer: string): Promise<(typeof inbox.$inferSelect)[]>;
  stop(): Promise<void>;
}

export function catalogConfig(dataDir: string): CatalogConfig {
  // An explicit environment: the developer's DATABASE_URL must not leak in.
  return loadConfig(CatalogConfig, {
    DATA_DIR: dataDir,
    LOG_LEVEL: "SILENT",
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
  });
}

export function catalogClient(catalog: RunningCatalog): Client<typeof CatalogService> {
  return createServiceClient(CatalogService, {
    baseUrl: "http://catalog.test",
    timeoutMs: 20_000,
    fetch: inProcessFetch(catalog.app),
    interceptors: [testCredentials("catalog")],
  });
}

export async function startCatalogOnBus(
  transport: OpenTransport,
  dataDir: string,
): Promise<CatalogOnBus> {
  const config = catalogConfig(dataDir);
  const catalog = await startCatalog(config, { publisher: transport.publisher });
  const probes = new Set<DeliveryHandler>();
  const deliveries = new Map<string, number>();
  const handle: DeliveryHandler = async (delivery) => {
    const id = envelopeIdOf(delivery.body);
    try {
      await catalog.consumer(delivery);
      for (const probe of probes) await probe(delivery);
    } finally {
      deliveries.set(id, (deliveries.get(id) ?? 0) + 1);
    }
  };
  const subscriber = transport.subscriber();
  await subscriber.start(QUEUE, handle);
  const sweeper = catalog.outbox.startSweeper(100);
  const client = catalogClient(catalog);
  const { db } = catalog;
  return {
    catalog,
    config,
    client,
    probes,
    deliveries,
    async listed(query) {
      const { products } = await client.listProducts({ query, pageSize: 100 });
      return products;
    },
    async outboxOf(productId) {
      const rows = await db.select().from(outbox);
      return rows.filter((row) => JSON.parse(row.envelope).subject === productId);
    },
    inboxOf(eventId, consumer) {
      return db
        .select()
        .from(inbox)
        .where(and(eq(inbox.eventId, eventId), eq(inbox.consumer, consumer)));
    },
    async stop() {
      await sweeper.stop();
      await subscriber.stop();
      await catalog.close();
    },
  };
}

/** A consumer of ProductCreated that counts its handler's calls and fails while told to. */
export function probeConsumer(
  db: CatalogDb,
  name: string,
  failing: (eventId: string) => boolean = () => false,
) {
  const calls = new Map<string, number>();
  const handle = createEventConsumer({
    name,
    db,
    inbox,
    logger: createLogger("probe", "SILENT"),
    handlers: [
      on(ProductCreatedSchema, async (_event, { envelope }) => {
        calls.set(envelope.id, (calls.get(envelope.id) ?? 0) + 1);
        if (failing(envelope.id)) throw new Error(`probe ${name} fails on ${envelope.id}`);
      }),
    ],
  });
  return { name, handle, calls };
}

/** A publisher that never gets an event out: the process died between commit and publish. */
export const deadPublisher: BusPublisher = {
  publish: async () => {
    throw new Error("the process died before publishing");
  },
  close: async () => {},
};

/** A word no other test uses, to put in names and SKUs and find them again. */
export const uniqueTag = () => randomBytes(4).toString("hex");

/** A product row as the write model would hold it, for events built by hand. */
export function productRow(tag: string, overrides: Partial<ProductRow> = {}): ProductRow {
  const now = new Date();
  return {
    id: uuidv7(),
    sku: `EV-${tag}`,
    name: `Handmade ${tag}`,
    description: "",
    priceAmountMinor: 1250n,
    priceCurrency: "EUR",
    stock: 5,
    createdAt: now,
    updatedAt: now,
    revision: 1,
    ...overrides,
  };
}

function envelopeIdOf(body: string): string {
  try {
    const id = (JSON.parse(body) as { id?: unknown }).id;
    return typeof id === "string" ? id : "(no id)";
  } catch {
    return "(not JSON)";
  }
}
