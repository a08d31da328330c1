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
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { type EmbeddedBus, openEmbeddedBus } from "../platform/bus/embedded/embedded-bus.js";
import { loadConfig } from "../platform/config.js";
import { embeddedDataDir } from "../platform/db/config.js";
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
  bus: EmbeddedBus;
}

export interface TestCatalog extends RunningCatalog {
  bus: EmbeddedBus;
  drain(): Promise<void>;
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
  return {
    ...catalog,
    bus,
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
