// The order saga's services for the orders bench: catalog, orders and payments in this process on
// one setup's database and bus, as `functions/start.ts` composes them (each consumer on its
// queue, outbox sweepers and the reservation expiry running, orders pricing lines through
// catalog's app in process, one random internal secret), watched by a SagaWatch; products with
// ample stock; and PlaceOrder as one of many customers.
//
//   const saga = await startSagaServices(setup, dataDir);
//   try { const orderId = await saga.place(0); await saga.watch.confirmation(orderId, ...); }
//   finally { await saga.stop(); }

import { randomBytes } from "node:crypto";
import { count } from "drizzle-orm";
import { startCatalog } from "../functions/catalog/app.js";
import { CatalogConfig } from "../functions/catalog/config.js";
import { CatalogService } from "../functions/gen/catalog/v1/catalog_pb.js";
import { OrderStatus, OrdersService } from "../functions/gen/orders/v1/orders_pb.js";
import { startOrders } from "../functions/orders/app.js";
import { OrdersConfig } from "../functions/orders/config.js";
import { orderRows } from "../functions/orders/db/schema.js";
import { startPayments } from "../functions/payments/app.js";
import { PaymentsConfig } from "../functions/payments/config.js";
import {
  callerValues,
  createCredentialInterceptor,
} from "../functions/platform/auth/internal-credential.js";
import { loadConfig } from "../functions/platform/config.js";
import { createServiceClient } from "../functions/platform/rpc/client.js";
import { inProcessFetch } from "../functions/platform/testing/in-process-fetch.js";
import { BenchFailure } from "./measure.js";
import type { PlaceOrder } from "./order-load.js";
import type { OpenSetup } from "./order-setups.js";
import { SagaWatch } from "./saga-watch.js";

/** Products the orders spread over, each order taking two of them. */
export const PRODUCTS = 32;
/** Customers the orders spread over. */
export const CUSTOMERS = 64;
// Far more than any run can sell: no order may fail for stock.
const STOCK = 10_000_000;
// As `npm start` runs it.
const RESERVATION_SWEEP_INTERVAL_MS = 5_000;

export interface SagaServices {
  watch: SagaWatch;
  /** PlaceOrder with tok_success: two different products, one of each, for one of the customers. */
  place: PlaceOrder;
  /** The order's status as its customer (the `n`-th order's) reads it with GetOrder. */
  statusOf(orderId: string, n: number): Promise<OrderStatus | undefined>;
  /** How many orders are in each status, for a failure message: "CONFIRMED 120, PENDING 2". */
  statuses(): Promise<string>;
  /** Stops consumers, sweepers and services, in reverse order of start; never throws. */
  stop(): Promise<void>;
}

export async function startSagaServices(setup: OpenSetup, dataDir: string): Promise<SagaServices> {
  // An explicit environment: a developer's DATABASE_URL or secrets must not leak in.
  const secret = randomBytes(32).toString("base64url");
  const env = {
    DATABASE_URL: setup.databaseUrl,
    DATA_DIR: dataDir,
    LOG_LEVEL: "SILENT",
    INTERNAL_TOKEN_SECRET: secret,
  };
  const watch = new SagaWatch();
  const publisher = watch.publisher(setup.bus.publisher);
  // What has started, stopped in reverse: consumers and sweepers first, the databases last.
  const running: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of running.reverse()) {
      await close().catch((error) => log(`stop failed: ${error}`));
    }
  };
  try {
    const catalog = await startCatalog(loadConfig(CatalogConfig, env), { publisher });
    running.push(catalog.close);
    running.push(catalog.outbox.startSweeper().stop);
    running.push(every(RESERVATION_SWEEP_INTERVAL_MS, () => catalog.expireReservations()));
    const orders = await startOrders(
      loadConfig(OrdersConfig, { ...env, CATALOG_URL: "http://catalog.bench" }),
      { publisher, catalogFetch: inProcessFetch(catalog.app) },
    );
    running.push(orders.close);
    running.push(orders.outbox.startSweeper().stop);
    const payments = await startPayments(loadConfig(PaymentsConfig, env), { publisher });
    running.push(payments.close);
    running.push(payments.outbox.startSweeper().stop);
    for (const [queue, consumer] of [
      ["catalog", catalog.consumer],
      ["orders", orders.consumer],
      ["payments", payments.consumer],
    ] as const) {
      const subscriber = setup.bus.subscriber();
      await subscriber.start(queue, watch.consumer(consumer));
      running.push(subscriber.stop);
    }

    // Credentials as the gateway mints them, with the same secret: for an admin to create the
    // products, for each customer to place and read orders.
    const credentials = (to: string, scopes: string[]) =>
      createCredentialInterceptor({
        secret,
        from: "bench",
        to,
        defaultCaller: { subject: "bench-admin", scopes: new Set(scopes) },
      });
    const catalogClient = createServiceClient(CatalogService, {
      baseUrl: "http://catalog.bench",
      timeoutMs: 30_000,
      fetch: inProcessFetch(catalog.app),
      interceptors: [credentials("catalog", ["catalog:write"])],
    });
    const ordersClient = createServiceClient(OrdersService, {
      baseUrl: "http://orders.bench",
      timeoutMs: 30_000,
      fetch: inProcessFetch(orders.app),
      interceptors: [credentials("orders", [])],
    });
    const customers = Array.from({ length: CUSTOMERS }, (_, i) =>
      callerValues({
        subject: `bench-customer-${i}`,
        scopes: new Set(["orders:read", "orders:write"]),
      }),
    );
    const customer = (n: number) => customers[n % CUSTOMERS];
    const productIds: string[] = [];
    for (let i = 0; i < PRODUCTS; i++) {
      const { product } = await catalogClient.createProduct({
        sku: `BENCH-ORDER-${i}`,
        name: `Bench order product ${i}`,
        description: "Ordered over and over by the orders bench.",
        price: { amountMinor: 1250n, currency: "EUR" },
        initialStock: STOCK,
      });
      if (!product?.id) throw new BenchFailure("CreateProduct answered no product");
      productIds.push(product.id);
    }

    return {
      watch,
      async place(n) {
        const first = n % PRODUCTS;
        // The partner moves along each round, so the pairs (and the lock orders) vary.
        let second = (n + PRODUCTS / 2 + Math.floor(n / PRODUCTS)) % PRODUCTS;
        if (second === first) second = (second + 1) % PRODUCTS;
        const { order } = await ordersClient.placeOrder(
          {
            lines: [first, second].map((i) => ({ productId: productIds[i] ?? "", quantity: 1 })),
            paymentToken: "tok_success",
          },
          { contextValues: customer(n) },
        );
        if (!order?.id) throw new BenchFailure("PlaceOrder answered no order");
        return order.id;
      },
      async statusOf(orderId, n) {
        const { order } = await ordersClient.getOrder(
          { id: orderId },
          { contextValues: customer(n) },
        );
        return order?.status;
      },
      async statuses() {
        try {
          const rows = await orders.db
            .select({ status: orderRows.status, orders: count() })
            .from(orderRows)
            .groupBy(orderRows.status);
          return rows.map((row) => `${row.status} ${row.orders}`).join(", ") || "none";
        } catch (error) {
          return `unknown (${error instanceof Error ? error.message : error})`;
        }
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The name of a status, for messages. */
export const statusName = (status: OrderStatus | undefined) => OrderStatus[status ?? 0] ?? "?";

/** Runs `job` every `intervalMs` (never overlapping itself) until the returned stop is called. */
function every(intervalMs: number, job: () => Promise<unknown>): () => Promise<void> {
  let current: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(job).catch((error) => log(`scheduled job failed: ${error}`));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await current;
  };
}

function log(line: string): void {
  process.stderr.write(`bench: orders: ${line}\n`);
}
