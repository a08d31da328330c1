// AWS Lambda entry of the payments service's Connect API.
import { openBus } from "../platform/bus/open-bus.js";
import { lambdaHandler } from "../platform/lambda.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startPayments } from "./app.js";
import { PaymentsConfig } from "./config.js";
import { paymentsLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(PaymentsConfig, paymentsLinks);
const bus = await openBus({ ...config, logger: createLogger(SERVICE_NAME, config.LOG_LEVEL) });
const payments = await startPayments(config, { publisher: bus.publisher });

export const handler = lambdaHandler(payments.app);
