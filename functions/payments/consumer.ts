// AWS Lambda entry of the payments event consumer: SQS batches from the payments queue, with
// partial batch responses so only failed records are retried.
import { openBus } from "../platform/bus/open-bus.js";
import { sqsEventHandler } from "../platform/bus/sns-sqs/sqs-event-handler.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startPayments } from "./app.js";
import { PaymentsConfig } from "./config.js";
import { paymentsLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(PaymentsConfig, paymentsLinks);
const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
const bus = await openBus({ ...config, logger });
const payments = await startPayments(config, { publisher: bus.publisher });

export const handler = sqsEventHandler(payments.consumer, { logger });
