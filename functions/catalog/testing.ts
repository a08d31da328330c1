/**
 * Test harness for the catalog service: a running catalog on a fresh database of the given
 * kind, and a Connect client that calls it through its real HTTP app (interceptors included),
 * in process.
 *
 * @example
 * describe.each(databaseKinds)("get-product on %s", (kind) => {
 *   const catalog = useCatalog(kind);
 *   it("finds it", async () => { await catalog.client.getProduct({ id }); });
 * });
 *
 * // The orders' saga events, delivered to the catalog's consumer as its queue would:
 * const order = anOrder([[productId, 2]]);
 * await catalog.deliver(orderPlaced(order));
 * expect(await recorded(catalog.db, StockReservedSchema, order.id)).toHaveLength(1);
 */
import { create, type DescMessage, type MessageShape } from "@bufbuild/protobuf";
import type { Client } from "@connectrpc/connect";
import { asc, eq } from "drizzle-orm";
import type { Hono } from "hono";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll } from "vitest";
import { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRejectedSchema,
} from "../gen/orders/v1/events_pb.js";
import { type Order, OrderSchema, OrderStatus } from "../gen/orders/v1/orders_pb.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { type EmbeddedBus, openEmbeddedBus } from "../platform/bus/embedded/embedded-bus.js";
import { loadConfig } from "../platform/config.js";
import { embeddedDataDir } from "../platform/db/config.js";
import { decodeEvent, type Envelope, toEnvelope } from "../platform/events/envelope.js";
import { createLogger } from "../platform/logger.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { testCredentials } from "../platform/testing/credentials.js";
import {
  createTestDatabase,
  type DatabaseKind,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { type RunningCatalog, startCatalog } from "./app.js";
import { CatalogConfig } from "./config.js";
import { outbox } from "./db/schema.js";
import type { CatalogDb } from "./product.js";

export interface CatalogUnderTest {
  app: Hono;
  db: CatalogDb;
  client: Client<typeof CatalogService>;
  /**
   * Publishes whatever the outbox holds and applies every queued event (the listing
   * projection), then resolves: call it before reading the listing.
   */
  drain(): Promise<void>;
  prune: RunningCatalog["prune"];
  expireReservations: RunningCatalog["expireReservations"];
  /** Hands one envelope to the catalog's consumer, as its queue would deliver it. */
  deliver(envelope: Envelope): Promise<void>;
  bus: EmbeddedBus;
}

export interface TestCatalog extends RunningCatalog {
  bus: EmbeddedBus;
  drain(): Promise<void>;
  /** Hands one envelope to the catalog's consumer, as its queue would deliver it. */
  deliver(envelope: Envelope): Promise<void>;
  /** Stops the catalog and its bus. */
  stop(): Promise<void>;
}

/** A catalog with an embedded bus on the same database, its events applied on `drain()`. */
export async function startTestCatalog(where: {
  DATABASE_URL: string | undefined;
  DATA_DIR: string;
}): Promise<TestCatalog> {
  const config = loadConfig(CatalogConfig, {
    DATABASE_URL: where.DATABASE_URL,
    DATA_DIR: where.DATA_DIR,
    LOG_LEVEL: "SILENT",
    BUS_MAX_RECEIVE_COUNT: "3",
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
  });
  const bus = await openEmbeddedBus({
    url: config.DATABASE_URL,
    dataDir: embeddedDataDir(config.DATA_DIR),
    logger: createLogger("bus", "SILENT"),
    maxReceiveCount: config.BUS_MAX_RECEIVE_COUNT,
  });
  const catalog = await startCatalog(config, { publisher: bus.publisher });
  const subscriber = bus.subscriber();
  let deliveries = 0;
  return {
    ...catalog,
    bus,
    deliver: (envelope) =>
      catalog.consumer({
        messageId: `test-${++deliveries}`,
        body: JSON.stringify(envelope),
        receiveCount: 1,
      }),
    async drain() {
      await catalog.outbox.dispatchDue();
      await subscriber.drain("catalog", catalog.consumer);
    },
    async stop() {
      await catalog.close();
      await bus.close();
    },
  };
}

/** Starts a catalog before the file's tests and stops it (dropping its database) after. */
export function useCatalog(kind: DatabaseKind): CatalogUnderTest {
  const harness = {} as CatalogUnderTest;
  let database: TestDatabase | undefined;
  let catalog: TestCatalog | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    catalog = await startTestCatalog({ DATABASE_URL: database.url, DATA_DIR: database.dataDir });
    harness.app = catalog.app;
    harness.db = catalog.db;
    harness.bus = catalog.bus;
    harness.drain = catalog.drain;
    harness.prune = catalog.prune;
    harness.expireReservations = catalog.expireReservations;
    harness.deliver = catalog.deliver;
    harness.client = createServiceClient(CatalogService, {
      baseUrl: "http://catalog.test",
      timeoutMs: 10_000,
      fetch: inProcessFetch(catalog.app),
      // As an admin service would call: every scope.
      interceptors: [testCredentials("catalog")],
    });
  });
  afterAll(async () => {
    await catalog?.stop();
    await database?.drop();
  });
  return harness;
}

let skuCounter = 0;

/** A SKU no other test in this process uses. */
export function uniqueSku(prefix = "SKU"): string {
  skuCounter += 1;
  return `${prefix}-${process.pid}-${skuCounter}`;
}

/** An order as the orders service would put it in its events, PENDING, one line per entry. */
export function anOrder(lines: readonly (readonly [productId: string, quantity: number])[]): Order {
  return create(OrderSchema, {
    id: uuidv7(),
    customerId: "customer-1",
    status: OrderStatus.PENDING,
    lines: lines.map(([productId, quantity]) => ({ productId, quantity })),
    revision: 1,
  });
}

const withStatus = (order: Order, status: OrderStatus): Order =>
  create(OrderSchema, { ...order, status, revision: order.revision + 1 });

const ordersEvent = <Desc extends DescMessage>(
  schema: Desc,
  order: Order,
  message: MessageShape<Desc>,
): Envelope => toEnvelope({ source: "orders", subject: order.id, schema, message });

export const orderPlaced = (order: Order): Envelope =>
  ordersEvent(
    OrderPlacedSchema,
    order,
    create(OrderPlacedSchema, { order, paymentToken: "tok_success" }),
  );

export const orderConfirmed = (order: Order): Envelope =>
  ordersEvent(
    OrderConfirmedSchema,
    order,
    create(OrderConfirmedSchema, { order: withStatus(order, OrderStatus.CONFIRMED) }),
  );

export const orderRejected = (order: Order): Envelope =>
  ordersEvent(
    OrderRejectedSchema,
    order,
    create(OrderRejectedSchema, { order: withStatus(order, OrderStatus.REJECTED) }),
  );

/** CANCELLED before an outcome, REFUND_PENDING after confirmation. */
export const orderCancelled = (
  order: Order,
  status: OrderStatus.CANCELLED | OrderStatus.REFUND_PENDING,
): Envelope =>
  ordersEvent(
    OrderCancelledSchema,
    order,
    create(OrderCancelledSchema, { order: withStatus(order, status) }),
  );

/** The events of this type the catalog recorded in its outbox (about `subject`), oldest first. */
export async function recorded<Desc extends DescMessage>(
  db: CatalogDb,
  schema: Desc,
  subject?: string,
): Promise<MessageShape<Desc>[]> {
  const rows = await db
    .select({ envelope: outbox.envelope })
    .from(outbox)
    .where(eq(outbox.type, schema.typeName))
    .orderBy(asc(outbox.id));
  return rows
    .map((row) => JSON.parse(row.envelope) as Envelope)
    .filter((envelope) => subject === undefined || envelope.subject === subject)
    .map((envelope) => decodeEvent(envelope, schema));
}
