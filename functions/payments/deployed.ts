// The payments service as its Lambda entries (lambda.ts, consumer.ts, jobs.ts) run it, built once
// per cold start: tracing first, configuration from the environment and SST links, the bus,
// then the service itself.
import { openBus } from "../platform/bus/open-bus.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startPayments } from "./app.js";
import { PaymentsConfig } from "./config.js";
import { paymentsLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
await startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(PaymentsConfig, paymentsLinks);
export const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
const bus = await openBus({ ...config, logger });
export const payments = await startPayments(config, { publisher: bus.publisher });
