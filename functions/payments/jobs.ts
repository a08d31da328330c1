// AWS Lambda entries of the payments service's scheduled jobs (one maintenance pass per invocation):
// `sweep` publishes what the outbox still holds; `prune` deletes rows past their retention.
import { openBus } from "../platform/bus/open-bus.js";
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startPayments } from "./app.js";
import { PaymentsConfig } from "./config.js";
import { paymentsLinks } from "./links.js";

startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(PaymentsConfig, paymentsLinks);
const bus = await openBus({ ...config, logger: createLogger(SERVICE_NAME, config.LOG_LEVEL) });
const payments = await startPayments(config, { publisher: bus.publisher });

export const sweep = flushedAfterEachInvocation(async () => ({
  published: await payments.outbox.dispatchDue(),
}));

export const prune = flushedAfterEachInvocation(() => payments.prune());
