// AWS Lambda entries of the catalog's scheduled jobs (one maintenance pass per invocation):
// `sweep` publishes what the outbox still holds and expires overdue reservations; `prune`
// deletes rows past their retention.
import { openBus } from "../platform/bus/open-bus.js";
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { createLogger } from "../platform/logger.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startCatalog } from "./app.js";
import { CatalogConfig } from "./config.js";
import { catalogLinks } from "./links.js";

startTracing({ service: SERVICE_NAME });

const config = loadLinkedConfig(CatalogConfig, catalogLinks);
const bus = await openBus({ ...config, logger: createLogger(SERVICE_NAME, config.LOG_LEVEL) });
const catalog = await startCatalog(config, { publisher: bus.publisher });

export const sweep = flushedAfterEachInvocation(async () => ({
  published: await catalog.outbox.dispatchDue(),
  expiredReservations: await catalog.expireReservations(),
}));

export const prune = flushedAfterEachInvocation(() => catalog.prune());
