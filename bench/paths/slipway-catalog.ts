// slipway's catalog for the real path, in a process of its own: startCatalog from its config
// and the bus, as its Lambda entry composes it (without AWS's linked config), served by Node as
// `npm start` serves it.
import { SERVICE_NAME, startCatalog } from "../../functions/catalog/app.js";
import { CatalogConfig } from "../../functions/catalog/config.js";
import { openBus } from "../../functions/platform/bus/open-bus.js";
import { loadConfig } from "../../functions/platform/config.js";
import { createLogger } from "../../functions/platform/logger.js";
import { startTracing } from "../../functions/platform/telemetry/tracing.js";
import { serveUntilStopped } from "./serve.js";

const tracing = await startTracing({ service: SERVICE_NAME });
const config = loadConfig(CatalogConfig);
const bus = await openBus({ ...config, logger: createLogger(SERVICE_NAME, config.LOG_LEVEL) });
const catalog = await startCatalog(config, { publisher: bus.publisher });

await serveUntilStopped(catalog.app.fetch, async () => {
  await catalog.close();
  await bus.close();
  await tracing.shutdown();
});
