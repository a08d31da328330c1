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
 */
import type { Client } from "@connectrpc/connect";
import type { Hono } from "hono";
import { afterAll, beforeAll } from "vitest";
import { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import { createServiceClient } from "../platform/rpc/client.js";
import {
  createTestDatabase,
  type DatabaseKind,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { startCatalog } from "./app.js";
import type { CatalogDb } from "./product.js";

export interface CatalogUnderTest {
  app: Hono;
  db: CatalogDb;
  client: Client<typeof CatalogService>;
}

/** Starts a catalog before the file's tests and stops it (dropping its database) after. */
export function useCatalog(kind: DatabaseKind): CatalogUnderTest {
  const harness = {} as CatalogUnderTest;
  let database: TestDatabase | undefined;
  let close: (() => Promise<void>) | undefined;
  beforeAll(async () => {
    database = await createTestDatabase(kind);
    const catalog = await startCatalog({
      DATABASE_URL: database.url,
      DATA_DIR: database.dataDir,
      PORT_CATALOG: 0,
      LOG_LEVEL: "SILENT",
    });
    close = catalog.close;
    harness.app = catalog.app;
    harness.db = catalog.db;
    harness.client = createServiceClient(CatalogService, {
      baseUrl: "http://catalog.test",
      timeoutMs: 10_000,
      fetch: inProcessFetch(catalog.app),
    });
  });
  afterAll(async () => {
    await close?.();
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
