// Path F, the baseline: one Hono app reading Postgres itself, as a monolith would. Started by
// paths.ts in a process of its own.
import { Hono } from "hono";
import { openProducts, pageJson, productJson } from "./queries.js";
import { serveUntilStopped } from "./serve.js";

const products = openProducts();
const app = new Hono()
  .get("/v1/products", async (c) => c.json(pageJson(await products.list())))
  .get("/v1/products/:id", async (c) => {
    const row = await products.get(c.req.param("id"));
    return row ? c.json(productJson(row)) : c.json({ title: "Not Found" }, 404);
  });

await serveUntilStopped(app.fetch, products.close);
