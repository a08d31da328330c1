// AWS Lambda entry of the orders' event consumer: SQS batches from the orders queue (the saga's
// events and the orders' own), with partial batch responses so only failed records are retried.
import { openBus } from "../platform/bus/open-bus.js";
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { rpcFetchFromEnvironment } from "../platform/rpc/sigv4-fetch.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startOrders } from "./app.js";
import { OrdersConfig } from "./config.js";
import { ordersLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(OrdersConfig, ordersLinks);
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
const bus = await openBus({ ...config, logger });
const orders = await startOrders(config, {
  publisher: bus.publisher,
  // Catalog's function URL takes IAM auth when deployed (RPC_SIGNING=sigv4).
  catalogFetch: rpcFetchFromEnvironment(),
});

export const handler = sqsEventHandler(orders.consumer, { logger });
