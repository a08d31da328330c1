// The data of the paths: catalog's schema made by catalog's own migrations (openCatalogDatabase)
// in a fresh database, `count` products in both catalog.products (GetProduct reads it) and the
// listing read model ListProducts reads, as the projection would have written them; and the SQL
// catalog's GetProduct and ListProducts send, captured by running the real features once, so
// the baselines run exactly the same queries.
//
//   const { productId, queries } = await seedCatalog(databaseUrl, { products: 1000, pageSize: 100 });

import { isDeepStrictEqual } from "node:util";
import { create } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { drizzle } from "drizzle-orm/postgres-js";
import postgres from "postgres";
import { uuidv7 } from "uuidv7";
import { openCatalogDatabase } from "../../functions/catalog/db/open.js";
import { productListings, products, schema } from "../../functions/catalog/db/schema.js";
import { getProduct } from "../../functions/catalog/features/get-product/get-product.js";
import { listProducts } from "../../functions/catalog/features/list-products/list-products.js";
import type { CatalogDb } from "../../functions/catalog/product.js";
import {
  GetProductRequestSchema,
  ListProductsRequestSchema,
} from "../../functions/gen/catalog/v1/catalog_pb.js";
import type { CatalogQueries, Query } from "./queries.js";

export interface SeedOptions {
  products: number;
  /** Items of the measured list page. */
  pageSize: number;
}

export interface SeededCatalog {
  /** The product every get reads. */
  productId: string;
  queries: CatalogQueries;
}

export async function seedCatalog(url: string, options: SeedOptions): Promise<SeededCatalog> {
  // DATA_DIR is for the embedded database only, unused with a URL.
  const database = await openCatalogDatabase({ DATABASE_URL: url, DATA_DIR: "memory://" });
  const rows = Array.from({ length: options.products }, (_, i) => {
    const at = new Date(Date.now() - (options.products - i) * 1000);
    return {
      id: uuidv7(),
      sku: `BENCH-${String(i + 1).padStart(5, "0")}`,
      name: `Bench product ${i + 1}`,
      description: "Read over and over by the benchmark, the same in every path.",
      priceAmountMinor: BigInt(1000 + i),
      priceCurrency: "EUR",
      stock: 100,
      createdAt: at,
      updatedAt: at,
      revision: 1,
    };
  });
  try {
    for (let start = 0; start < rows.length; start += 500) {
      const batch = rows.slice(start, start + 500);
      await database.db.insert(products).values(batch);
      await database.db.insert(productListings).values(batch);
    }
  } finally {
    await database.close();
  }
  const productId = rows[Math.floor(rows.length / 2)]?.id ?? "";
  return { productId, queries: await captureQueries(url, productId, options.pageSize) };
}

async function captureQueries(
  url: string,
  productId: string,
  pageSize: number,
): Promise<CatalogQueries> {
  const sent: Query[] = [];
  const client = postgres(url, { max: 1, onnotice: () => {}, types: { bigint: postgres.BigInt } });
  try {
    const db = drizzle({
      client,
      schema,
      logger: { logQuery: (text, params) => sent.push({ text, params }) },
    }) as unknown as CatalogDb;
    // Neither feature reads its context.
    const context = {} as HandlerContext;
    const got = await getProduct(db)(create(GetProductRequestSchema, { id: productId }), context);
    const listed = await listProducts(db)(create(ListProductsRequestSchema, { pageSize }), context);
    const [get, list] = sent;
    if (got.product?.id !== productId || listed.products?.length !== pageSize) {
      throw new Error(
        `the seeded catalog did not answer product ${productId} and ${pageSize} items`,
      );
    }
    if (sent.length !== 2 || !get || !list || !isDeepStrictEqual(get.params, [productId])) {
      throw new Error(
        `catalog's reads no longer send one query each with the id as only parameter; ` +
          `the baselines must follow: ${JSON.stringify(sent)}`,
      );
    }
    return { get, list: { ...list, pageSize } };
  } finally {
    await client.end({ timeout: 5 });
  }
}
