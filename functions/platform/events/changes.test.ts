import { describe, expect, it } from "vitest";
import { startCatalog } from "../../catalog/app.js";
import { CatalogConfig } from "../../catalog/config.js";
import { outbox } from "../../catalog/db/schema.js";
import { CatalogService } from "../../gen/catalog/v1/catalog_pb.js";
import { TEST_INTERNAL_SECRET } from "../auth/testing.js";
import { loadConfig } from "../config.js";
import { createServiceClient } from "../rpc/client.js";
import { testCredentials } from "../testing/credentials.js";
import { inProcessFetch } from "../testing/in-process-fetch.js";

describe("a change whose broker hangs", () => {
  it("commits and answers within moments, leaving the event to the sweeper", async () => {
    const hanging = { publish: () => new Promise<void>(() => {}), close: async () => {} };
    const catalog = await startCatalog(
      loadConfig(CatalogConfig, {
        DATA_DIR: "memory://",
        LOG_LEVEL: "SILENT",
        INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
      }),
      { publisher: hanging },
    );
    try {
      const client = createServiceClient(CatalogService, {
        baseUrl: "http://catalog.test",
        timeoutMs: 10_000,
        fetch: inProcessFetch(catalog.app),
        interceptors: [testCredentials("catalog")],
      });
      const started = Date.now();
      const { product } = await client.createProduct({
        sku: "HANG-1",
        name: "Patient kettle",
        price: { amountMinor: 100n, currency: "EUR" },
      });
      expect(Date.now() - started).toBeLessThan(5000);
      expect(product?.sku).toBe("HANG-1");
      const [row] = await catalog.db.select().from(outbox);
      expect(row).toMatchObject({ type: "slipway.catalog.v1.ProductCreated", publishedAt: null });
    } finally {
      await catalog.close();
    }
  });
});
