// The service of the baseline paths, in a process of its own: the catalog's two reads with no
// more than it takes to serve them, as REST JSON (paths E′, E′ agent) and as Connect with the
// stock router and codecs, no interceptors (path E). Both answer the same rows.
import { createConnectRouter } from "@connectrpc/connect";
import { createFetchHandler } from "@connectrpc/connect/protocol";
import { toProductMessage } from "../../functions/catalog/product.js";
import { CatalogService } from "../../functions/gen/catalog/v1/catalog_pb.js";
import { encodePageToken } from "../../functions/platform/pagination/page-token.js";
import { openProducts, restProductsApp } from "./queries.js";
import { serveUntilStopped } from "./serve.js";

const products = openProducts();
const app = restProductsApp(products);

const router = createConnectRouter().service(CatalogService, {
  async getProduct(req) {
    const row = await products.get(req.id);
    // An unknown id fails the bench's check before any load; no need for NotFound here.
    return { product: row && toProductMessage(row) };
  },
  async listProducts() {
    const { rows, pageSize } = await products.list();
    const page = rows.slice(0, pageSize);
    const last = page.at(-1);
    return {
      products: page.map(toProductMessage),
      nextPageToken: rows.length > pageSize && last ? encodePageToken(last.id) : "",
    };
  },
});
for (const handler of router.handlers) {
  const handleFetch = createFetchHandler(handler);
  app.on(handler.allowedMethods, handler.requestPath, (c) => handleFetch(c.req.raw));
}

await serveUntilStopped(app.fetch, products.close);
