// The catalog's two reads for the baseline paths (monolith.ts, rest-service.ts): the SQL text
// and parameters catalog's GetProduct and ListProducts send, as seed.ts captured them from the
// real features, run through postgres.js as Drizzle runs them there (unnamed, not prepared,
// bigint exact), and the REST JSON the gateway answers with.
//
//   const products = openProducts(); // DATABASE_URL and BENCH_QUERIES from the environment
//   const page = pageJson(await products.list());
//   const app = restProductsApp(products); // GET /v1/products and /v1/products/:id

import { Hono } from "hono";
import postgres from "postgres";
import { encodePageToken } from "../../functions/platform/pagination/page-token.js";

/** The environment variable the captured queries travel in, as JSON. */
export const QUERIES_ENV = "BENCH_QUERIES";

export interface Query {
  text: string;
  params: unknown[];
}

export interface CatalogQueries {
  /** GetProduct: the product's id is its one parameter. */
  get: Query;
  /** ListProducts of `pageSize` items: one row more, to tell whether a next page follows. */
  list: Query & { pageSize: number };
}

/** A row of catalog.products or catalog.product_listings, columns in camelCase. */
export interface ProductRow {
  id: string;
  sku: string;
  name: string;
  description: string;
  priceAmountMinor: bigint;
  priceCurrency: string;
  stock: number;
  createdAt: Date;
  updatedAt: Date;
  revision: number;
}

export function openProducts(env: NodeJS.ProcessEnv = process.env) {
  const queries = JSON.parse(env[QUERIES_ENV] ?? "") as CatalogQueries;
  const sql = postgres(env.DATABASE_URL ?? "", {
    // As catalog's pool (platform/db/database.ts).
    max: 10,
    onnotice: () => {},
    types: { bigint: postgres.BigInt },
    // Drizzle maps columns to fields too.
    transform: postgres.camel,
  });
  const run = (text: string, params: unknown[]) =>
    sql.unsafe(text, params as postgres.ParameterOrJSON<never>[], { prepare: false }) as Promise<
      unknown[]
    > as Promise<ProductRow[]>;
  return {
    async get(id: string): Promise<ProductRow | undefined> {
      return (await run(queries.get.text, [id]))[0];
    },
    async list(): Promise<{ rows: ProductRow[]; pageSize: number }> {
      return {
        rows: await run(queries.list.text, queries.list.params),
        pageSize: queries.list.pageSize,
      };
    },
    close: () => sql.end({ timeout: 5 }),
  };
}

/** The gateway's product JSON (functions/gateway/routes/product-json.ts), from a row. */
export function productJson(row: ProductRow) {
  return {
    id: row.id,
    sku: row.sku,
    name: row.name,
    description: row.description,
    price: { amountMinor: Number(row.priceAmountMinor), currency: row.priceCurrency },
    stock: row.stock,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** The gateway's page JSON of GET /v1/products, as ListProducts pages it. */
export function pageJson({ rows, pageSize }: { rows: ProductRow[]; pageSize: number }) {
  const page = rows.slice(0, pageSize);
  const last = page.at(-1);
  return {
    items: page.map(productJson),
    nextCursor: rows.length > pageSize && last ? encodePageToken(last.id) : null,
  };
}

/** The two reads as the gateway's REST routes answer them, straight from the database. */
export function restProductsApp(products: ReturnType<typeof openProducts>) {
  return new Hono()
    .get("/v1/products", async (c) => c.json(pageJson(await products.list())))
    .get("/v1/products/:id", async (c) => {
      const row = await products.get(c.req.param("id"));
      return row ? c.json(productJson(row)) : c.json({ title: "Not Found" }, 404);
    });
}
