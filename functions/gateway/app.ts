// Composition root of the gateway: the public REST API in front of the services.
import type { Client } from "@connectrpc/connect";
import { Hono } from "hono";
import type { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import type { IdentityService } from "../gen/identity/v1/identity_pb.js";
import type { OrdersService } from "../gen/orders/v1/orders_pb.js";
import type { Readiness } from "../platform/health/readiness.js";
import { mountHealth } from "../platform/health/routes.js";
import { traceRequests } from "../platform/http/trace-middleware.js";
import type { Logger } from "../platform/logger.js";
import { requestLogContext } from "../platform/logging/log-context.js";
import type { RequireScopes } from "./auth.js";
import { createErrorHandler, notFoundHandler } from "./errors.js";
import { jsonBody } from "./json-body.js";
import { mountApiDocs } from "./openapi.js";
import { type IdentityProxyOptions, identityProxyRoutes } from "./routes/identity-proxy.js";
import { orderRoutes } from "./routes/orders.js";
import { productRoutes } from "./routes/products.js";
import { userRoutes } from "./routes/users.js";

export const SERVICE_NAME = "gateway";
const API_VERSION = "1.0.0";

export interface GatewayDeps {
  catalog: Client<typeof CatalogService>;
  identity: Client<typeof IdentityService>;
  orders: Client<typeof OrdersService>;
  /** Identity's OAuth endpoints and key set, relayed at this origin. */
  identityHttp: Pick<IdentityProxyOptions, "baseUrl" | "fetch" | "timeoutMs">;
  requireScopes: RequireScopes;
  logger: Logger;
  bodyLimitBytes: number;
  /** TOKEN_ISSUER: the public base URL the OAuth URLs in /openapi.json start with. */
  tokenIssuer: string;
  /** What GET /health/ready checks (startGateway: every service's readiness); liveness only without it. */
  readiness?: Readiness;
}

export function createGatewayApp(deps: GatewayDeps): Hono {
  const { catalog, identity, orders, requireScopes, logger, bodyLimitBytes } = deps;
  const app = new Hono();
  app.use(traceRequests());
  app.use(requestLogContext({ logger }));
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);
  mountHealth(app, deps.readiness);

  const body = jsonBody(bodyLimitBytes);
  app.route("/v1/products", productRoutes(catalog, { jsonBody: body, requireScopes }));
  app.route("/v1/orders", orderRoutes(orders, { jsonBody: body, requireScopes }));
  app.route("/v1", userRoutes(identity, { jsonBody: body, requireScopes }));
  app.route("/", identityProxyRoutes({ ...deps.identityHttp, bodyLimitBytes, logger }));
  mountApiDocs(app, { version: API_VERSION, tokenIssuer: deps.tokenIssuer });
  return app;
}
