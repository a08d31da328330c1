// Composition root of the orders service: builds its dependencies once and mounts every slice.
import { Hono } from "hono";
import { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import {
  CancelOrderRequestSchema,
  GetOrderRequestSchema,
  ListOrdersRequestSchema,
  OrdersService,
  PlaceOrderRequestSchema,
} from "../gen/orders/v1/orders_pb.js";
import {
  createCredentialCheck,
  createCredentialInterceptor,
  methodPolicy,
} from "../platform/auth/internal-credential.js";
import { type BusPublisher, type DeliveryHandler, PoisonMessage } from "../platform/bus/port.js";
import { createChangeRunner } from "../platform/events/changes.js";
import { createEventConsumer, pruneInbox } from "../platform/events/consumer.js";
import { parseEnvelope } from "../platform/events/envelope.js";
import {
  createOutboxDispatcher,
  type OutboxDispatcher,
} from "../platform/events/outbox-dispatcher.js";
import { serviceReadiness } from "../platform/health/checks.js";
import type { Readiness } from "../platform/health/readiness.js";
import { mountHealth } from "../platform/health/routes.js";
import { createLogger, type Logger } from "../platform/logger.js";
import { requestLogContext } from "../platform/logging/log-context.js";
import { metricsHandler } from "../platform/metrics/exposition.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { serviceUrls } from "../platform/rpc/config.js";
import { createErrorInterceptor } from "../platform/rpc/errors.js";
import { mountConnect } from "../platform/rpc/serve.js";
import {
  assertEveryMethodHasRules,
  createValidationInterceptor,
  requestRules,
} from "../platform/rpc/validate.js";
import type { OrdersConfig } from "./config.js";
import { openOrdersDatabase } from "./db/open.js";
import { inbox, outbox } from "./db/schema.js";
import { cancelOrder, cancelOrderRules } from "./features/cancel-order/cancel-order.js";
import { getOrder, getOrderRules } from "./features/get-order/get-order.js";
import { listOrders, listOrdersRules } from "./features/list-orders/list-orders.js";
import { SAGA_CONSUMER, sagaHandlers } from "./features/on-saga-events/on-saga-events.js";
import { pruneIdempotencyKeys } from "./features/place-order/idempotency.js";
import { placeOrder, placeOrderRules } from "./features/place-order/place-order.js";
import type { CatalogClient } from "./features/place-order/pricing.js";
import {
  SUMMARIES_CONSUMER,
  summaryHandlers,
} from "./features/project-summaries/project-summaries.js";
import type { OrdersChange, OrdersDb } from "./order.js";

export const SERVICE_NAME = "orders";

const rules = requestRules([
  [PlaceOrderRequestSchema, placeOrderRules],
  [GetOrderRequestSchema, getOrderRules],
  [ListOrdersRequestSchema, listOrdersRules],
  [CancelOrderRequestSchema, cancelOrderRules],
]);
assertEveryMethodHasRules([OrdersService], rules);

// Every call is for a customer; each slice lets them see and change only their own orders.
const policy = methodPolicy(OrdersService, {
  placeOrder: ["orders:write"],
  getOrder: ["orders:read"],
  listOrders: ["orders:read"],
  cancelOrder: ["orders:write"],
});

export interface OrdersDeps {
  db: OrdersDb;
  change: OrdersChange;
  /** Prices PlaceOrder's lines. */
  catalog: CatalogClient;
  logger: Logger;
  /** INTERNAL_TOKEN_SECRET: verifies the credential every call must carry. */
  internalSecret: string;
  /** What GET /health/ready checks (startOrders: its database and bus); liveness only without it. */
  readiness?: Readiness;
}

/** The orders service's HTTP app: Connect routes plus health probes. */
export function createOrdersApp({
  db,
  change,
  catalog,
  logger,
  internalSecret,
  readiness,
}: OrdersDeps): Hono {
  const app = new Hono();
  app.use(requestLogContext({ logger }));
  mountHealth(app, readiness);
  // Local runs read the process's counters here; in Lambda they go out as EMF instead.
  app.get("/metrics", metricsHandler());
  mountConnect(
    app,
    (router) =>
      router.service(OrdersService, {
        placeOrder: placeOrder({ db, change, catalog }),
        getOrder: getOrder(db),
        listOrders: listOrders(db),
        cancelOrder: cancelOrder(change),
      }),
    {
      interceptors: [
        createErrorInterceptor(logger),
        // Before validation: a caller without a credential learns nothing about the rules.
        createCredentialCheck({ secret: internalSecret, service: SERVICE_NAME, policy }),
        createValidationInterceptor(rules),
      ],
    },
  );
  return app;
}

export interface RunningOrders {
  app: Hono;
  db: OrdersDb;
  /**
   * Applies the events of the orders queue: the saga's (the state machine, which publishes the
   * outcomes) and the orders' own (the summaries ListOrders reads).
   */
  consumer: DeliveryHandler;
  /** Publishes what the outbox holds; run its sweeper wherever the service runs. */
  outbox: OutboxDispatcher;
  /** Deletes outbox and inbox rows and idempotency keys past their retention; run it now and then. */
  prune(): Promise<{ outbox: number; inbox: number; idempotencyKeys: number }>;
  close(): Promise<void>;
}

export interface OrdersRuntime {
  /** Where the orders' events go. */
  publisher: BusPublisher;
  /** How calls to catalog are made (a request signer, or catalog's app in process); Node's by default. */
  catalogFetch?: typeof globalThis.fetch;
}

/** Opens the database, applies pending migrations and builds the app and its consumer. */
export async function startOrders(
  config: OrdersConfig,
  { publisher, catalogFetch }: OrdersRuntime,
): Promise<RunningOrders> {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const database = await openOrdersDatabase(config);
  const db = database.db;
  const dispatcher = createOutboxDispatcher({ db, outbox, publisher, logger });
  const catalog = createServiceClient(CatalogService, {
    baseUrl: serviceUrls(config.CATALOG_URLS, config.CATALOG_URL),
    timeoutMs: config.RPC_TIMEOUT_MS,
    ...(catalogFetch ? { fetch: catalogFetch } : {}),
    interceptors: [
      createCredentialInterceptor({
        secret: config.INTERNAL_TOKEN_SECRET,
        from: SERVICE_NAME,
        to: "catalog",
      }),
    ],
  });
  const saga = createEventConsumer({
    name: SAGA_CONSUMER,
    db,
    inbox,
    handlers: sagaHandlers(logger),
    logger,
    outbox: { table: outbox, dispatcher },
  });
  const summaries = createEventConsumer({
    name: SUMMARIES_CONSUMER,
    db,
    inbox,
    handlers: summaryHandlers,
    logger,
  });
  const summaryTypes = new Set(summaryHandlers.map((handler) => handler.type));
  return {
    app: createOrdersApp({
      db,
      change: createChangeRunner({ db, outbox, dispatcher }),
      catalog,
      logger,
      internalSecret: config.INTERNAL_TOKEN_SECRET,
      readiness: serviceReadiness({ db, publisher }),
    }),
    db,
    // One queue, two consumers with inboxes of their own: the orders' own events feed the
    // summaries, everything else the saga.
    consumer: async (delivery) => {
      const parsed = parseEnvelope(delivery.body);
      if (!parsed.ok) throw new PoisonMessage(parsed.reason);
      const handle = summaryTypes.has(parsed.envelope.type) ? summaries : saga;
      await handle(delivery);
    },
    outbox: dispatcher,
    prune: async () => ({
      outbox: await dispatcher.prune(),
      inbox: await pruneInbox(db, inbox),
      idempotencyKeys: await pruneIdempotencyKeys(db),
    }),
    close: database.close,
  };
}
