// AWS Lambda entry of the catalog's event consumer: SQS batches from the catalog queue, with
// partial batch responses so only failed records are retried.
import { openBus } from "../platform/bus/open-bus.js";
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startCatalog } from "./app.js";
import { CatalogConfig } from "./config.js";
import { catalogLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(CatalogConfig, catalogLinks);
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
const bus = await openBus({ ...config, logger });
const catalog = await startCatalog(config, { publisher: bus.publisher });

export const handler = sqsEventHandler(catalog.consumer, { logger });
