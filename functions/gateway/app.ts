// Composition root of the gateway: the public REST API in front of the services.
import type { Client } from "@connectrpc/connect";
import { Hono } from "hono";
import type { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import type { Logger } from "../platform/logger.js";
import { createErrorHandler, notFoundHandler } from "./errors.js";
import { jsonBody } from "./json-body.js";
import { mountApiDocs } from "./openapi.js";
import { productRoutes } from "./routes/products.js";

export const SERVICE_NAME = "gateway";
const API_VERSION = "1.0.0";

export interface GatewayDeps {
  catalog: Client<typeof CatalogService>;
  logger: Logger;
  bodyLimitBytes: number;
}

export function createGatewayApp({ catalog, logger, bodyLimitBytes }: GatewayDeps): Hono {
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);
  app.get("/health/live", (c) => c.json({ status: "ok" }));

  app.route("/v1/products", productRoutes(catalog, { jsonBody: jsonBody(bodyLimitBytes) }));
  mountApiDocs(app, API_VERSION);
  return app;
}
