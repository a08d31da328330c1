// Composition root of the catalog service: builds its dependencies once and mounts every slice.
import { Hono } from "hono";
import {
  AdjustStockRequestSchema,
  CatalogService,
  CreateProductRequestSchema,
  GetProductRequestSchema,
  ListProductsRequestSchema,
  UpdateProductRequestSchema,
} from "../gen/catalog/v1/catalog_pb.js";
import { createCredentialCheck, methodPolicy } from "../platform/auth/internal-credential.js";
import type { BusPublisher, DeliveryHandler } from "../platform/bus/port.js";
import { createChangeRunner } from "../platform/events/changes.js";
import { createEventConsumer, pruneInbox } from "../platform/events/consumer.js";
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
import { createErrorInterceptor } from "../platform/rpc/errors.js";
import { mountConnect } from "../platform/rpc/serve.js";
import {
  assertEveryMethodHasRules,
  createValidationInterceptor,
  requestRules,
} from "../platform/rpc/validate.js";
import type { CatalogConfig } from "./config.js";
import { openCatalogDatabase } from "./db/open.js";
import { inbox, outbox } from "./db/schema.js";
import { adjustStock, adjustStockRules } from "./features/adjust-stock/adjust-stock.js";
import { createProduct, createProductRules } from "./features/create-product/create-product.js";
import { expireReservations } from "./features/expire-reservations/expire-reservations.js";
import { getProduct, getProductRules } from "./features/get-product/get-product.js";
import { listProducts, listProductsRules } from "./features/list-products/list-products.js";
import { LISTING_CONSUMER, listingHandlers } from "./features/project-listing/project-listing.js";
import { reserveStockHandlers } from "./features/reserve-stock/reserve-stock.js";
import { settleReservationHandlers } from "./features/settle-reservation/settle-reservation.js";
import { updateProduct, updateProductRules } from "./features/update-product/update-product.js";
import type { CatalogChange, CatalogDb } from "./product.js";
import { pruneReservations, RESERVATIONS_CONSUMER } from "./reservation.js";
import { routeDeliveries } from "./route-deliveries.js";

export const SERVICE_NAME = "catalog";

const rules = requestRules([
  [CreateProductRequestSchema, createProductRules],
  [GetProductRequestSchema, getProductRules],
  [ListProductsRequestSchema, listProductsRules],
  [UpdateProductRequestSchema, updateProductRules],
  [AdjustStockRequestSchema, adjustStockRules],
]);
assertEveryMethodHasRules([CatalogService], rules);

// Browsing is for anyone the gateway lets through; changing the catalog is for its admins.
const policy = methodPolicy(CatalogService, {
  createProduct: ["catalog:write"],
  getProduct: [],
  listProducts: [],
  updateProduct: ["catalog:write"],
  adjustStock: ["catalog:write"],
});

export interface CatalogDeps {
  db: CatalogDb;
  change: CatalogChange;
  logger: Logger;
  /** INTERNAL_TOKEN_SECRET: verifies the credential every call must carry. */
  internalSecret: string;
  /** What GET /health/ready checks (startCatalog: its database and bus); liveness only without it. */
  readiness?: Readiness;
}

/** The catalog's HTTP app: Connect routes plus health probes. */
export function createCatalogApp({
  db,
  change,
  logger,
  internalSecret,
  readiness,
}: CatalogDeps): Hono {
  const app = new Hono();
  app.use(requestLogContext({ logger }));
  mountHealth(app, readiness);
  // Local runs read the process's counters here; in Lambda they go out as EMF instead.
  app.get("/metrics", metricsHandler());
  mountConnect(
    app,
    (router) =>
      router.service(CatalogService, {
        createProduct: createProduct(change),
        getProduct: getProduct(db),
        listProducts: listProducts(db),
        updateProduct: updateProduct(change),
        adjustStock: adjustStock(change),
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

export interface RunningCatalog {
  app: Hono;
  db: CatalogDb;
  /**
   * Applies the events of the catalog's queue: product events to the listing projection, the
   * orders' saga events to the stock reservations.
   */
  consumer: DeliveryHandler;
  /** Publishes what the outbox holds; run its sweeper wherever the service runs. */
  outbox: OutboxDispatcher;
  /**
   * Releases reservations past their expiry and grace, giving their units back; answers how
   * many. Run it every few seconds; several instances may run it at once.
   */
  expireReservations(): Promise<number>;
  /** Deletes outbox, inbox and settled reservation rows past their retention; run it now and then. */
  prune(): Promise<{ outbox: number; inbox: number; reservations: number }>;
  close(): Promise<void>;
}

export interface CatalogRuntime {
  /** Where the catalog's events go. */
  publisher: BusPublisher;
}

/** Opens the database, applies pending migrations and builds the app and its consumer. */
export async function startCatalog(
  config: CatalogConfig,
  { publisher }: CatalogRuntime,
): Promise<RunningCatalog> {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const database = await openCatalogDatabase(config);
  const db = database.db;
  const dispatcher = createOutboxDispatcher({ db, outbox, publisher, logger });
  const change = createChangeRunner({ db, outbox, dispatcher });
  const reservationHandlers = [
    ...reserveStockHandlers({ ttlSeconds: config.RESERVATION_TTL_SECONDS, logger }),
    ...settleReservationHandlers({ logger }),
  ];
  const consumer = routeDeliveries(
    [
      {
        types: listingHandlers.map((handler) => handler.type),
        consumer: createEventConsumer({
          name: LISTING_CONSUMER,
          db,
          inbox,
          handlers: listingHandlers,
          logger,
        }),
      },
      {
        types: reservationHandlers.map((handler) => handler.type),
        consumer: createEventConsumer({
          name: RESERVATIONS_CONSUMER,
          db,
          inbox,
          handlers: reservationHandlers,
          logger,
          outbox: { table: outbox, dispatcher },
        }),
      },
    ],
    logger,
  );
  return {
    app: createCatalogApp({
      db,
      change,
      logger,
      internalSecret: config.INTERNAL_TOKEN_SECRET,
      readiness: serviceReadiness({ db, publisher }),
    }),
    db,
    consumer,
    outbox: dispatcher,
    expireReservations: expireReservations(change, {
      graceSeconds: config.RESERVATION_GRACE_SECONDS,
    }),
    prune: async () => ({
      outbox: await dispatcher.prune(),
      inbox: await pruneInbox(db, inbox),
      reservations: await pruneReservations(db),
    }),
    close: database.close,
  };
}
