/**
 * The whole order saga in this process, wired as `npm start` wires it: catalog, orders and
 * payments on one fresh database of the given kind (each in its own schema), the embedded bus
 * in that same database, one subscriber per queue delivering continuously, the outbox sweepers
 * and the reservation expiry running, orders pricing through catalog's real app in process,
 * every service trusting one internal secret.
 *
 * `settled(ids)` (settle.ts) waits until every order is final and nothing is left on its way;
 * `pause(queue)` and `resume(queue)` hold a queue's deliveries back (an outcome that must wait
 * for a cancel); `options.publisher` wraps the bus's publisher, to make the bus misbehave
 * (unruly-publisher.ts).
 *
 * @example
 * describe.each(databaseKinds)("the saga on %s", (kind) => {
 *   const saga = useSaga(kind);
 *   it("confirms", async () => {
 *     const product = await saga.product(5);
 *     const { order } = await saga.ordersClient("alice").placeOrder({
 *       lines: [{ productId: product.id, quantity: 1 }], paymentToken: "tok_success",
 *     });
 *     const id = order?.id ?? "";
 *     expect((await saga.settled([id])).get(id)?.status).toBe("CONFIRMED");
 *   });
 * });
 */
import type { Client } from "@connectrpc/connect";
import { eq } from "drizzle-orm";
import { afterAll, beforeAll } from "vitest";
import { type RunningCatalog, startCatalog } from "../../functions/catalog/app.js";
import { CatalogConfig } from "../../functions/catalog/config.js";
import { outbox as catalogOutbox, products } from "../../functions/catalog/db/schema.js";
import { CatalogService, type Product } from "../../functions/gen/catalog/v1/catalog_pb.js";
import { OrdersService } from "../../functions/gen/orders/v1/orders_pb.js";
import { PaymentsService } from "../../functions/gen/payments/v1/payments_pb.js";
import { type RunningOrders, startOrders } from "../../functions/orders/app.js";
import { OrdersConfig } from "../../functions/orders/config.js";
import { outbox as ordersOutbox } from "../../functions/orders/db/schema.js";
import { type RunningPayments, startPayments } from "../../functions/payments/app.js";
import { PaymentsConfig } from "../../functions/payments/config.js";
import { outbox as paymentsOutbox } from "../../functions/payments/db/schema.js";
import { TEST_INTERNAL_SECRET } from "../../functions/platform/auth/testing.js";
import {
  type EmbeddedBus,
  openEmbeddedBus,
} from "../../functions/platform/bus/embedded/embedded-bus.js";
import { schema as busSchema } from "../../functions/platform/bus/embedded/schema.js";
import type { EmbeddedSubscriber } from "../../functions/platform/bus/embedded/subscriber.js";
import type { BusPublisher, DeliveryHandler } from "../../functions/platform/bus/port.js";
import { loadConfig } from "../../functions/platform/config.js";
import { embeddedDataDir } from "../../functions/platform/db/config.js";
import {
  type Database,
  type DatabaseHandle,
  openDatabase,
} from "../../functions/platform/db/database.js";
import { type ConsumingService, queueNames } from "../../functions/platform/events/topology.js";
import { createLogger } from "../../functions/platform/logger.js";
import { createServiceClient } from "../../functions/platform/rpc/client.js";
import { testCredentials } from "../../functions/platform/testing/credentials.js";
import {
  createTestDatabase,
  type DatabaseKind,
  type TestDatabase,
} from "../../functions/platform/testing/databases.js";
import { inProcessFetch } from "../../functions/platform/testing/in-process-fetch.js";
import { type Settled, settler } from "./settle.js";

/** A publisher the services publish through instead of the bus's own, to make it misbehave. */
export interface WrappedPublisher extends BusPublisher {
  /** Envelopes taken but not on the bus yet: `settled()` waits until there are none. */
  inFlight?(): number;
}

export type PublisherWrapper = (bus: BusPublisher) => WrappedPublisher;

export interface SagaOptions {
  /** Wraps the bus's publisher for all three services. */
  publisher?: PublisherWrapper;
  /** Settings for all three services, over the harness's own. */
  config?: Record<string, string>;
}

export interface Saga {
  kind: DatabaseKind;
  catalog: RunningCatalog;
  orders: RunningOrders;
  payments: RunningPayments;
  bus: EmbeddedBus;
  /** CatalogService as an admin (every scope). */
  catalogClient: Client<typeof CatalogService>;
  /** OrdersService as `customer`, with orders:read and orders:write. */
  ordersClient(customer: string): Client<typeof OrdersService>;
  /** PaymentsService as a service: reads any order's payment. */
  paymentsClient: Client<typeof PaymentsService>;
  /** A new product with `stock` units, priced `priceMinor` EUR cents. */
  product(stock: number, priceMinor?: bigint): Promise<Product>;
  /** The product's stock as its row holds it now. */
  stockOf(productId: string): Promise<number | undefined>;
  /** Stops delivering `queue` (its messages wait) until `resume(queue)`. */
  pause(queue: ConsumingService): Promise<void>;
  resume(queue: ConsumingService): Promise<void>;
  /** Waits until every order is final and the system is quiet; answers their rows by id. */
  settled: Settled;
  stop(): Promise<void>;
}

/** How often expired reservations are released, as `npm start` does. */
const RESERVATION_SWEEP_INTERVAL_MS = 5_000;

let skus = 0;

export async function startSaga(kind: DatabaseKind, options: SagaOptions = {}): Promise<Saga> {
  // What has started, stopped in reverse: the subscribers first, the database last.
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    const failures: unknown[] = [];
    for (let close = stops.pop(); close; close = stops.pop()) {
      await close().catch((error: unknown) => failures.push(error));
    }
    if (failures.length > 0) throw new AggregateError(failures, "the saga did not stop cleanly");
  };
  const database = await createTestDatabase(kind);
  stops.push(database.drop);
  try {
    return await compose(database, options, stops, stop);
  } catch (error) {
    await stop();
    throw error;
  }
}

async function compose(
  database: TestDatabase,
  options: SagaOptions,
  stops: (() => Promise<void>)[],
  stop: () => Promise<void>,
): Promise<Saga> {
  const env = {
    DATABASE_URL: database.url,
    DATA_DIR: database.dataDir,
    LOG_LEVEL: "SILENT",
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
    CATALOG_URL: "http://catalog.test",
    // Hundreds of orders at once on two cores: pricing may queue behind the saga's work.
    RPC_TIMEOUT_MS: "30000",
    ...options.config,
  };
  const bus = await openEmbeddedBus({
    url: env.DATABASE_URL,
    dataDir: embeddedDataDir(env.DATA_DIR),
    logger: createLogger("bus", "SILENT"),
    maxReceiveCount: loadConfig(CatalogConfig, env).BUS_MAX_RECEIVE_COUNT,
  });
  stops.push(bus.close);
  // The harness's own view of the queues (the same embedded instance, or a small pool).
  const queues: DatabaseHandle<typeof busSchema> = await openDatabase({
    url: env.DATABASE_URL,
    dataDir: embeddedDataDir(env.DATA_DIR),
    schema: busSchema,
    maxConnections: 2,
  });
  stops.push(queues.close);

  let publications = 0;
  const wrapped = options.publisher?.(bus.publisher);
  const publisher: BusPublisher = {
    publish: (envelopes) => {
      publications += 1;
      return (wrapped ?? bus.publisher).publish(envelopes);
    },
    close: async () => {},
  };
  // After the services' last dispatch: what the wrapper still holds goes out before the bus closes.
  if (wrapped) stops.push(wrapped.close);

  const catalog = await startCatalog(loadConfig(CatalogConfig, env), { publisher });
  stops.push(catalog.close);
  const orders = await startOrders(loadConfig(OrdersConfig, env), {
    publisher,
    catalogFetch: inProcessFetch(catalog.app),
  });
  stops.push(orders.close);
  const payments = await startPayments(loadConfig(PaymentsConfig, env), { publisher });
  stops.push(payments.close);
  for (const service of [catalog, orders, payments]) {
    const sweeper = service.outbox.startSweeper();
    stops.push(sweeper.stop);
  }
  const failures: unknown[] = [];
  stops.push(every(RESERVATION_SWEEP_INTERVAL_MS, () => catalog.expireReservations(), failures));

  let deliveriesStarted = 0;
  let deliveriesEnded = 0;
  const consumers: Record<ConsumingService, DeliveryHandler> = {
    catalog: catalog.consumer,
    orders: orders.consumer,
    payments: payments.consumer,
  };
  const subscribers = new Map<ConsumingService, EmbeddedSubscriber>();
  const resume = async (queue: ConsumingService) => {
    const subscriber = subscribers.get(queue) ?? bus.subscriber();
    subscribers.set(queue, subscriber);
    const consume = consumers[queue];
    await subscriber.start(queue, async (delivery) => {
      deliveriesStarted += 1;
      try {
        await consume(delivery);
      } finally {
        deliveriesEnded += 1;
      }
    });
  };
  for (const queue of queueNames) await resume(queue);
  stops.push(async () => {
    for (const subscriber of subscribers.values()) await subscriber.stop();
  });

  const catalogClient = createServiceClient(CatalogService, {
    baseUrl: "http://catalog.test",
    timeoutMs: 60_000,
    fetch: inProcessFetch(catalog.app),
    interceptors: [testCredentials("catalog")],
  });
  const settled = settler({
    ordersDb: orders.db,
    queuesDb: queues.db,
    outboxes: [
      { db: asAnyDb(catalog.db), table: catalogOutbox },
      { db: asAnyDb(orders.db), table: ordersOutbox },
      { db: asAnyDb(payments.db), table: paymentsOutbox },
    ],
    deadLetters: bus.deadLetters,
    inFlight: () => wrapped?.inFlight?.() ?? 0,
    activity: () =>
      `${deliveriesStarted}/${deliveriesEnded} deliveries, ${publications} publications`,
    failures,
  });

  return {
    kind: database.kind,
    catalog,
    orders,
    payments,
    bus,
    catalogClient,
    ordersClient: (customer) =>
      createServiceClient(OrdersService, {
        baseUrl: "http://orders.test",
        timeoutMs: 60_000,
        fetch: inProcessFetch(orders.app),
        interceptors: [
          testCredentials("orders", {
            subject: customer,
            scopes: new Set(["orders:read", "orders:write"]),
          }),
        ],
      }),
    paymentsClient: createServiceClient(PaymentsService, {
      baseUrl: "http://payments.test",
      timeoutMs: 60_000,
      fetch: inProcessFetch(payments.app),
      interceptors: [
        testCredentials("payments", {
          subject: "service:saga-test",
          scopes: new Set(["orders:read"]),
        }),
      ],
    }),
    async product(stock, priceMinor = 1_000n) {
      skus += 1;
      const { product } = await catalogClient.createProduct({
        sku: `SAGA-${process.pid}-${skus}`,
        name: `Saga item ${skus}`,
        price: { amountMinor: priceMinor, currency: "EUR" },
        initialStock: stock,
      });
      if (!product) throw new Error("CreateProduct answered no product");
      return product;
    },
    async stockOf(productId) {
      const [row] = await catalog.db
        .select({ stock: products.stock })
        .from(products)
        .where(eq(products.id, productId));
      return row?.stock;
    },
    async pause(queue) {
      await subscribers.get(queue)?.stop();
    },
    resume,
    settled,
    stop,
  };
}

/** Starts the saga before the file's tests and stops it (dropping its database) after. */
export function useSaga(kind: DatabaseKind, options: SagaOptions = {}): Saga {
  const harness = {} as Saga;
  let saga: Saga | undefined;
  beforeAll(async () => {
    saga = await startSaga(kind, options);
    Object.assign(harness, saga);
  });
  afterAll(async () => {
    await saga?.stop();
  });
  return harness;
}

const asAnyDb = (db: unknown) => db as Database<Record<string, unknown>>;

/** Runs `job` every `intervalMs`, never overlapping itself, keeping its failures; answers its stop. */
function every(
  intervalMs: number,
  job: () => Promise<unknown>,
  failures: unknown[],
): () => Promise<void> {
  let current: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(job).catch((error: unknown) => void failures.push(error));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await current;
  };
}
