// Path F, the baseline: one Hono app reading Postgres itself, as a monolith would. Started by
// paths.ts in a process of its own.
import { openProducts, restProductsApp } from "./queries.js";
import { serveUntilStopped } from "./serve.js";

const products = openProducts();
const app = restProductsApp(products);

await serveUntilStopped(app.fetch, products.close);
