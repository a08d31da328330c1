// The orders service as its Lambda entries (lambda.ts, consumer.ts, jobs.ts) run it, built once
// per cold start: tracing first, configuration from the environment and SST links, the bus,
// then the service itself.
import { openBus } from "../platform/bus/open-bus.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { rpcFetchFromEnvironment } from "../platform/rpc/sigv4-fetch.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startOrders } from "./app.js";
import { OrdersConfig } from "./config.js";
import { ordersLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
await startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(OrdersConfig, ordersLinks);
export const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
const bus = await openBus({ ...config, logger });
export const orders = await startOrders(config, {
  publisher: bus.publisher,
  // Catalog's function URL takes IAM auth when deployed (RPC_SIGNING=sigv4).
  catalogFetch: rpcFetchFromEnvironment(),
});
