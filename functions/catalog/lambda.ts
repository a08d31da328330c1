// AWS Lambda entry of the catalog service's Connect API.
import { openBus } from "../platform/bus/open-bus.js";
import { lambdaHandler } from "../platform/lambda.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startCatalog } from "./app.js";
import { CatalogConfig } from "./config.js";
import { catalogLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(CatalogConfig, catalogLinks);
const bus = await openBus({ ...config, logger: createLogger(SERVICE_NAME, config.LOG_LEVEL) });
const catalog = await startCatalog(config, { publisher: bus.publisher });

export const handler = lambdaHandler(catalog.app);
