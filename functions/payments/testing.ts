/**
 * Test harness for the payments service: a running payments service on a fresh database of the
 * given kind, its consumer fed envelopes directly (as the bus would deliver them), a record of
 * everything it published, and Connect clients that call it through its real HTTP app
 * (interceptors included), in process. Plus builders of the saga events it consumes.
 *
 * @example
 * describe.each(databaseKinds)("payments on %s", (kind) => {
 *   const payments = usePayments(kind);
 *   it("authorizes", async () => {
 *     const order = testOrder();
 *     await payments.deliver(order.placed("tok_success"), order.reserved());
 *     expect(payments.publishedTypes(order.id)).toEqual(["PaymentAuthorized"]);
 *   });
 * });
 */
import { create } from "@bufbuild/protobuf";
import { timestampFromDate, timestampNow } from "@bufbuild/protobuf/wkt";
import type { Client } from "@connectrpc/connect";
import { like } from "drizzle-orm";
import type { Hono } from "hono";
import { uuidv7 } from "uuidv7";
import { afterAll, beforeAll } from "vitest";
import { StockReservedSchema } from "../gen/catalog/v1/events_pb.js";
import {
  OrderCancelledSchema,
  OrderConfirmedSchema,
  OrderPlacedSchema,
  OrderRejectedSchema,
} from "../gen/orders/v1/events_pb.js";
import { type Order, OrderSchema, OrderStatus } from "../gen/orders/v1/orders_pb.js";
import { PaymentsService } from "../gen/payments/v1/payments_pb.js";
import type { Caller } from "../platform/auth/internal-credential.js";
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
import { type RunningPayments, startPayments } from "./app.js";
import { PaymentsConfig } from "./config.js";
import { type ProviderOperation, providerRecords } from "./db/schema.js";
import type { PaymentsDb } from "./payment.js";
import type { PaymentProvider } from "./provider/provider.js";
import { simulatedProvider } from "./provider/simulated-provider.js";

/** The orders service as a caller: a service, allowed to read any payment. */
export const ORDERS_SERVICE: Caller = {
  subject: "service:orders",
  scopes: new Set(["orders:read"]),
};

export interface PaymentsUnderTest {
  app: Hono;
  db: PaymentsDb;
  /** Calls as the orders service (reads any payment). */
  client: Client<typeof PaymentsService>;
  /** Calls for `caller`; without one, calls carry no credential at all. */
  clientFor(caller?: Caller): Client<typeof PaymentsService>;
  /**
   * Hands each envelope to the consumer, one after the other, as the bus would: the same
   * envelope again is a redelivery. Rejects with what the handler threw (the bus would retry).
   */
  deliver(...envelopes: Envelope[]): Promise<void>;
  /** Everything published so far, oldest first; only what is about `orderId` when given. */
  published(orderId?: string): Envelope[];
  /** The short type names of `published(orderId)`: `["PaymentAuthorized", ...]`. */
  publishedTypes(orderId: string): string[];
  /** The provider's records of the order, by operation. */
  providerRecordsOf(orderId: string): Promise<(typeof providerRecords.$inferSelect)[]>;
  /**
   * The provider's next `operation` succeeds at the provider, then the handler crashes before
   * its transaction commits, as a process dying there would.
   */
  crashAfterNext(operation: ProviderOperation): void;
  prune: RunningPayments["prune"];
}

/** Starts payments before the file's tests and stops it (dropping its database) after. */
export function usePayments(kind: DatabaseKind): PaymentsUnderTest {
  const harness = {} as PaymentsUnderTest;
  let database: TestDatabase | undefined;
  let payments: RunningPayments | undefined;
  const sent: Envelope[] = [];
  const publisher: BusPublisher = {
    publish: async (envelopes) => {
      sent.push(...envelopes);
    },
    close: async () => {},
  };
  const crashes = new Set<ProviderOperation>();
  const crashing = (provider: PaymentProvider): PaymentProvider => {
    const after =
      <Args extends unknown[], Result>(
        operation: ProviderOperation,
        call: (...args: Args) => Promise<Result>,
      ) =>
      async (...args: Args): Promise<Result> => {
        const result = await call(...args);
        if (crashes.delete(operation)) throw new Error(`crashed after ${operation} (test)`);
        return result;
      };
    return {
      authorize: after("authorize", provider.authorize),
      capture: after("capture", provider.capture),
      void: after("void", provider.void),
      refund: after("refund", provider.refund),
    };
  };

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const config = loadConfig(PaymentsConfig, {
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      LOG_LEVEL: "SILENT",
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
    });
    const running = await startPayments(config, {
      publisher,
      provider: (tx) => crashing(simulatedProvider(tx)),
    });
    payments = running;
    const clientFor = (caller?: Caller) =>
      createServiceClient(PaymentsService, {
        baseUrl: "http://payments.test",
        timeoutMs: 10_000,
        fetch: inProcessFetch(running.app),
        interceptors: caller ? [testCredentials("payments", caller)] : [],
      });
    Object.assign(harness, {
      app: running.app,
      db: running.db,
      client: clientFor(ORDERS_SERVICE),
      clientFor,
      prune: running.prune,
    });
  });
  afterAll(async () => {
    await payments?.close();
    await database?.drop();
  });

  harness.deliver = async (...envelopes) => {
    for (const envelope of envelopes) {
      await payments?.consumer({
        messageId: uuidv7(),
        body: JSON.stringify(envelope),
        receiveCount: 1,
      });
    }
  };
  harness.published = (orderId) =>
    sent.filter((envelope) => orderId === undefined || envelope.subject === orderId);
  harness.publishedTypes = (orderId) =>
    harness.published(orderId).map((envelope) => envelope.type.replace(/^.*\./, ""));
  harness.providerRecordsOf = (orderId) =>
    harness.db
      .select()
      .from(providerRecords)
      .where(like(providerRecords.idempotencyKey, `${orderId}:%`));
  harness.crashAfterNext = (operation) => {
    crashes.add(operation);
  };
  return harness;
}

export interface TestOrder {
  id: string;
  customerId: string;
  amountMinor: bigint;
  /** A new envelope each call: the same fact told again, not a redelivery. */
  placed(token?: string): Envelope;
  reserved(expiresAt?: Date): Envelope;
  confirmed(): Envelope;
  rejected(): Envelope;
  /** Cancelled before an outcome (status CANCELLED). */
  cancelled(): Envelope;
  /** Cancelled after confirmation (status REFUND_PENDING). */
  refundRequested(): Envelope;
}

/** An order of `amountMinor` EUR cents, and the saga events about it. */
export function testOrder(options: { customerId?: string; amountMinor?: bigint } = {}): TestOrder {
  const id = uuidv7();
  const customerId = options.customerId ?? `customer-${uuidv7()}`;
  const amountMinor = options.amountMinor ?? 2500n;
  const order = (status: OrderStatus): Order =>
    create(OrderSchema, {
      id,
      customerId,
      status,
      total: { amountMinor, currency: "EUR" },
      createTime: timestampNow(),
      updateTime: timestampNow(),
    });
  const about = { source: "orders", subject: id } as const;
  return {
    id,
    customerId,
    amountMinor,
    placed: (token = "tok_success") =>
      toEnvelope({
        ...about,
        schema: OrderPlacedSchema,
        message: create(OrderPlacedSchema, {
          order: order(OrderStatus.PENDING),
          paymentToken: token,
        }),
      }),
    reserved: (expiresAt = new Date(Date.now() + 15 * 60_000)) =>
      toEnvelope({
        source: "catalog",
        subject: id,
        schema: StockReservedSchema,
        message: create(StockReservedSchema, {
          orderId: id,
          lines: [{ productId: uuidv7(), quantity: 1 }],
          expireTime: timestampFromDate(expiresAt),
        }),
      }),
    confirmed: () =>
      toEnvelope({
        ...about,
        schema: OrderConfirmedSchema,
        message: create(OrderConfirmedSchema, { order: order(OrderStatus.CONFIRMED) }),
      }),
    rejected: () =>
      toEnvelope({
        ...about,
        schema: OrderRejectedSchema,
        message: create(OrderRejectedSchema, { order: order(OrderStatus.REJECTED) }),
      }),
    cancelled: () =>
      toEnvelope({
        ...about,
        schema: OrderCancelledSchema,
        message: create(OrderCancelledSchema, { order: order(OrderStatus.CANCELLED) }),
      }),
    refundRequested: () =>
      toEnvelope({
        ...about,
        schema: OrderCancelledSchema,
        message: create(OrderCancelledSchema, { order: order(OrderStatus.REFUND_PENDING) }),
      }),
  };
}
