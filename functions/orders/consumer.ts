// AWS Lambda entry of the orders' event consumer: SQS batches from the orders queue (the saga's
// events and the orders' own), with partial batch responses so only failed records are retried.
import { openBus } from "../platform/bus/open-bus.js";
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { loadConfig } from "../platform/config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startOrders } from "./app.js";
import { OrdersConfig } from "./config.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

const config = loadConfig(OrdersConfig);
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
const bus = await openBus({ ...config, logger });
const orders = await startOrders(config, { publisher: bus.publisher });

export const handler = sqsEventHandler(orders.consumer, { logger });
