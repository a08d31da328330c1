// Builds the gateway from its configuration: clients of the services it fronts.
import { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import { createLogger } from "../platform/logger.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { createGatewayApp, SERVICE_NAME } from "./app.js";
import type { GatewayConfig } from "./config.js";

export function startGateway(config: GatewayConfig, options: { fetch?: typeof fetch } = {}) {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const catalog = createServiceClient(CatalogService, {
    baseUrl: config.CATALOG_URL,
    timeoutMs: config.RPC_TIMEOUT_MS,
    fetch: options.fetch,
  });
  return createGatewayApp({ catalog, logger, bodyLimitBytes: config.BODY_LIMIT_BYTES });
}
