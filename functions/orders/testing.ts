/**
 * Test harness for the orders service: a running orders service on a fresh database of the
 * given kind, pricing from a real catalog in process, Connect clients acting as any customer,
 * the saga's events to deliver to its consumer, and what it published.
 *
 * @example
 * describe.each(databaseKinds)("orders on %s", (kind) => {
 *   const orders = useOrders(kind);
 *   it("confirms", async () => {
 *     const product = await orders.product({ amountMinor: 500n });
 *     const order = await orders.place("alice", [[product.id, 2]]);
 *     await orders.deliver(saga.stockReserved(order.id), saga.paymentAuthorized(order.id));
 *     expect((await orders.published(order.id)).map(typeOf)).toContain("OrderConfirmed");
 *   });
 * });
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll } from "vitest";
import { type CatalogUnderTest, uniqueSku, useCatalog } from "../catalog/testing.js";
import type { Product } from "../gen/catalog/v1/catalog_pb.js";
import {
  ReleaseReason,
  ReservationReleasedSchema,
  StockRejectedSchema,
  StockReservedSchema,
  StockReturnedSchema,
} from "../gen/catalog/v1/events_pb.js";
import { type Order, OrdersService } from "../gen/orders/v1/orders_pb.js";
import {
  PaymentAuthorizedSchema,
  PaymentDeclinedSchema,
  PaymentRefundedSchema,
} from "../gen/payments/v1/events_pb.js";
import { DeclineReason } from "../gen/payments/v1/payments_pb.js";
import type { Scope } from "../platform/auth/scopes.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import type { BusPublisher } from "../platform/bus/port.js";
import { loadConfig } from "../platform/config.js";
import { type Envelope, toEnvelope } from "../platform/events/envelope.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { testCredentials } from "../platform/testing/credentials.js";
import {
  createTestDatabase,
  type DatabaseKind,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { type RunningOrders, startOrders } from "./app.js";
import { OrdersConfig } from "./config.js";
import type { OrdersDb } from "./order.js";

export type OrdersClient = Client<typeof OrdersService>;

export type CatalogState = "up" | "down" | "hanging";

export const CUSTOMER_SCOPES: readonly Scope[] = ["orders:read", "orders:write"];

export interface OrdersUnderTest {
  app: RunningOrders["app"];
  db: OrdersDb;
  catalog: CatalogUnderTest;
  /** A client calling as `customer` (the credential's subject) with `scopes`. */
  client(customer: string, scopes?: readonly Scope[]): OrdersClient;
  /** A product in the catalog, in stock; EUR unless told otherwise. */
  product(price?: { amountMinor?: bigint; currency?: string }): Promise<Product>;
  /** PlaceOrder as `customer` with tok_success, answering the order. */
  place(customer: string, lines: [productId: string, quantity: number][]): Promise<Order>;
  /** Hands envelopes to the orders consumer one after another, as its queue would. */
  deliver(...envelopes: Envelope[]): Promise<void>;
  /** The events published so far (the outbox dispatched first), of one order if given. */
  published(orderId?: string): Promise<Envelope[]>;
  /**
   * Dispatches the outbox and delivers every orders event published since the last drain to
   * the consumer (the summaries projection), then resolves.
   */
  drain(): Promise<void>;
  /**
   * How catalog answers from now on: "up"; "down", failing as a refused connection would; or
   * "hanging", answering nothing until the call's deadline (RPC_TIMEOUT_MS, 2 s here).
   */
  setCatalog(state: CatalogState): void;
  prune: RunningOrders["prune"];
}

/** A publisher that keeps what it is given, for tests to look at. */
export function recordingPublisher(): BusPublisher & { envelopes: Envelope[] } {
  const envelopes: Envelope[] = [];
  return {
    envelopes,
    publish: async (batch) => {
      envelopes.push(...batch);
    },
    close: async () => {},
  };
}

/** The configuration of an orders service under test, on `database`. */
export function testOrdersConfig(
  database: Pick<TestDatabase, "url" | "dataDir">,
  overrides: Record<string, string> = {},
): OrdersConfig {
  return loadConfig(OrdersConfig, {
    DATABASE_URL: database.url,
    DATA_DIR: database.dataDir,
    LOG_LEVEL: "SILENT",
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
    CATALOG_URL: "http://catalog.test",
    RPC_TIMEOUT_MS: "2000",
    ...overrides,
  });
}

/**
 * Starts a catalog and an orders service before the file's tests and stops them (dropping
 * their databases) after. Orders' events go to a recording publisher, not a bus: tests deliver
 * the saga's events themselves, in whatever order they mean to test.
 */
export function useOrders(kind: DatabaseKind): OrdersUnderTest {
  const catalog = useCatalog(kind);
  const harness = { catalog } as OrdersUnderTest;
  const publisher = recordingPublisher();
  let database: TestDatabase | undefined;
  let orders: RunningOrders | undefined;
  let catalogState: CatalogState = "up";
  let drained = 0;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const catalogFetch = inProcessFetch(catalog.app);
    orders = await startOrders(testOrdersConfig(database), {
      publisher,
      catalogFetch: async (input, init) => {
        if (catalogState === "down") throw new TypeError("fetch failed: connection refused");
        if (catalogState === "hanging") return hangUntilAborted(init?.signal);
        return catalogFetch(input, init);
      },
    });
    const running = orders;
    harness.app = running.app;
    harness.db = running.db;
    harness.prune = running.prune;
  });
  afterAll(async () => {
    await orders?.close();
    await database?.drop();
  });

  harness.client = (customer, scopes = CUSTOMER_SCOPES) =>
    createServiceClient(OrdersService, {
      baseUrl: "http://orders.test",
      timeoutMs: 10_000,
      fetch: inProcessFetch(harness.app),
      interceptors: [testCredentials("orders", { subject: customer, scopes: new Set(scopes) })],
    });
  harness.product = async (price = {}) => {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("ORD"),
      name: "Teapot",
      price: { amountMinor: price.amountMinor ?? 1_250n, currency: price.currency ?? "EUR" },
      initialStock: 100,
    });
    if (!product) throw new Error("CreateProduct answered no product");
    return product;
  };
  harness.place = async (customer, lines) => {
    const { order } = await harness.client(customer).placeOrder({
      lines: lines.map(([productId, quantity]) => ({ productId, quantity })),
      paymentToken: "tok_success",
    });
    if (!order) throw new Error("PlaceOrder answered no order");
    return order;
  };
  harness.deliver = async (...envelopes) => {
    const running = started(orders);
    for (const envelope of envelopes) {
      await running.consumer({
        messageId: uuidv7(),
        body: JSON.stringify(envelope),
        receiveCount: 1,
      });
    }
  };
  harness.published = async (orderId) => {
    await started(orders).outbox.dispatchDue();
    return publisher.envelopes.filter((envelope) => !orderId || envelope.subject === orderId);
  };
  harness.drain = async () => {
    await started(orders).outbox.dispatchDue();
    while (drained < publisher.envelopes.length) {
      const batch = publisher.envelopes.slice(drained);
      drained += batch.length;
      await harness.deliver(...batch);
    }
  };
  harness.setCatalog = (state) => {
    catalogState = state;
  };
  return harness;
}

function hangUntilAborted(signal: AbortSignal | null | undefined): Promise<never> {
  return new Promise((_, reject) => {
    signal?.addEventListener("abort", () => reject(signal.reason), { once: true });
  });
}

function started(orders: RunningOrders | undefined): RunningOrders {
  if (!orders) throw new Error("the orders service has not started yet");
  return orders;
}

/** The short type name of an envelope: `OrderConfirmed`. */
export const typeOf = (envelope: Envelope) => envelope.type.split(".").at(-1);

const IN_FIVE_MINUTES = () => new Date(Date.now() + 5 * 60_000);

/** The saga's events about one order, as catalog and payments publish them. */
export const saga = {
  stockReserved: (orderId: string, expireTime = IN_FIVE_MINUTES()) =>
    toEnvelope({
      source: "catalog",
      subject: orderId,
      schema: StockReservedSchema,
      message: create(StockReservedSchema, { orderId, expireTime: timestampFromDate(expireTime) }),
    }),
  stockRejected: (
    orderId: string,
    shortLines: { productId: string; requested: number; available: number }[] = [],
  ) =>
    toEnvelope({
      source: "catalog",
      subject: orderId,
      schema: StockRejectedSchema,
      message: create(StockRejectedSchema, { orderId, shortLines }),
    }),
  reservationReleased: (orderId: string, reason = ReleaseReason.EXPIRED) =>
    toEnvelope({
      source: "catalog",
      subject: orderId,
      schema: ReservationReleasedSchema,
      message: create(ReservationReleasedSchema, { orderId, reason }),
    }),
  stockReturned: (orderId: string) =>
    toEnvelope({
      source: "catalog",
      subject: orderId,
      schema: StockReturnedSchema,
      message: create(StockReturnedSchema, { orderId }),
    }),
  paymentAuthorized: (orderId: string, reservationExpireTime = IN_FIVE_MINUTES()) =>
    toEnvelope({
      source: "payments",
      subject: orderId,
      schema: PaymentAuthorizedSchema,
      message: create(PaymentAuthorizedSchema, {
        orderId,
        reservationExpireTime: timestampFromDate(reservationExpireTime),
      }),
    }),
  paymentDeclined: (orderId: string, reason = DeclineReason.DECLINED) =>
    toEnvelope({
      source: "payments",
      subject: orderId,
      schema: PaymentDeclinedSchema,
      message: create(PaymentDeclinedSchema, { orderId, reason }),
    }),
  paymentRefunded: (orderId: string) =>
    toEnvelope({
      source: "payments",
      subject: orderId,
      schema: PaymentRefundedSchema,
      message: create(PaymentRefundedSchema, { orderId }),
    }),
};
