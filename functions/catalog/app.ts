// Composition root of the catalog service: builds its dependencies once and mounts every slice.
import { fileURLToPath } from "node:url";
import { Hono } from "hono";
import {
  AdjustStockRequestSchema,
  CatalogService,
  CreateProductRequestSchema,
  GetProductRequestSchema,
  ListProductsRequestSchema,
  UpdateProductRequestSchema,
} from "../gen/catalog/v1/catalog_pb.js";
import { openDatabase } from "../platform/db/database.js";
import { migrateService } from "../platform/db/migrate.js";
import { createLogger, type Logger } from "../platform/logger.js";
import { createErrorInterceptor } from "../platform/rpc/errors.js";
import { mountConnect } from "../platform/rpc/serve.js";
import {
  assertEveryMethodHasRules,
  createValidationInterceptor,
  requestRules,
} from "../platform/rpc/validate.js";
import type { CatalogConfig } from "./config.js";
import { schema } from "./db/schema.js";
import { adjustStock, adjustStockRules } from "./features/adjust-stock/adjust-stock.js";
import { createProduct, createProductRules } from "./features/create-product/create-product.js";
import { getProduct, getProductRules } from "./features/get-product/get-product.js";
import { listProducts, listProductsRules } from "./features/list-products/list-products.js";
import { updateProduct, updateProductRules } from "./features/update-product/update-product.js";
import type { CatalogDb } from "./product.js";

export const SERVICE_NAME = "catalog";

const rules = requestRules([
  [CreateProductRequestSchema, createProductRules],
  [GetProductRequestSchema, getProductRules],
  [ListProductsRequestSchema, listProductsRules],
  [UpdateProductRequestSchema, updateProductRules],
  [AdjustStockRequestSchema, adjustStockRules],
]);
assertEveryMethodHasRules([CatalogService], rules);

export interface CatalogDeps {
  db: CatalogDb;
  logger: Logger;
}

/** The catalog's HTTP app: Connect routes plus a liveness probe. */
export function createCatalogApp({ db, logger }: CatalogDeps): Hono {
  const app = new Hono();
  app.get("/health/live", (c) => c.json({ status: "ok" }));
  mountConnect(
    app,
    (router) =>
      router.service(CatalogService, {
        createProduct: createProduct(db),
        getProduct: getProduct(db),
        listProducts: listProducts(db),
        updateProduct: updateProduct(db),
        adjustStock: adjustStock(db),
      }),
    { interceptors: [createErrorInterceptor(logger), createValidationInterceptor(rules)] },
  );
  return app;
}

export interface RunningCatalog {
  app: Hono;
  db: CatalogDb;
  close(): Promise<void>;
}

/** Opens the database, applies pending migrations and builds the app. */
export async function startCatalog(config: CatalogConfig): Promise<RunningCatalog> {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const database = await openDatabase({
    url: config.DATABASE_URL,
    dataDir: `${config.DATA_DIR}/pglite`,
    schema,
  });
  try {
    await migrateService(database, {
      service: SERVICE_NAME,
      migrationsFolder: fileURLToPath(new URL("./db/migrations", import.meta.url)),
    });
  } catch (error) {
    await database.close();
    throw error;
  }
  return {
    app: createCatalogApp({ db: database.db, logger }),
    db: database.db,
    close: database.close,
  };
}
