/**
 * `npm start`: every service in one Node process on its own port, with the embedded database
 * (or real Postgres when DATABASE_URL is set). The same apps the Lambda entry points wrap.
 */
import * as v from "valibot";
import { type RunningCatalog, startCatalog } from "./catalog/app.js";
import { CatalogConfig } from "./catalog/config.js";
import { GatewayConfig } from "./gateway/config.js";
import { startGateway } from "./gateway/services.js";
import { ConfigError, loadConfig } from "./platform/config.js";
import { createLogger } from "./platform/logger.js";
import { listen, type RunningServer } from "./platform/node-server.js";

const LocalConfig = v.object({
  ...CatalogConfig.entries,
  ...GatewayConfig.entries,
  /** Interface to listen on; 127.0.0.1 keeps a laptop's services off the network. */
  HOST: v.optional(v.string(), "127.0.0.1"),
});

async function main(): Promise<void> {
  // One schema for the whole process, so one error lists every bad variable of every service.
  const config = loadConfig(LocalConfig);
  const gatewayConfig = {
    ...config,
    // The gateway finds catalog wherever this process puts it, unless told otherwise.
    CATALOG_URL: process.env.CATALOG_URL
      ? config.CATALOG_URL
      : `http://127.0.0.1:${config.PORT_CATALOG}`,
  };
  const logger = createLogger("local", config.LOG_LEVEL);

  const servers: RunningServer[] = [];
  let catalog: RunningCatalog | undefined;
  const stop = async () => {
    await Promise.allSettled(servers.map((server) => server.close()));
    await catalog?.close();
  };
  // Handlers go in before anything starts, so Ctrl-C at any moment stops cleanly.
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C means now.
      process.exit(130);
    }
    stopping = true;
    logger.info("stopping", { signal });
    stop().then(
      () => process.exit(0),
      (error) => {
        logger.error("unclean stop", { error });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);

  try {
    catalog = await startCatalog(config);
    servers.push(
      await listen(catalog.app.fetch, { port: config.PORT_CATALOG, hostname: config.HOST }),
    );
    servers.push(
      await listen(startGateway(gatewayConfig).fetch, {
        port: config.PORT_GATEWAY,
        hostname: config.HOST,
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  if (stopping) return;
  const [catalogServer, gatewayServer] = servers as [RunningServer, RunningServer];
  const storage = config.DATABASE_URL ? "postgres (DATABASE_URL)" : `embedded (${config.DATA_DIR})`;
  process.stdout.write(
    [
      "",
      "slipway is running",
      `  gateway   ${gatewayServer.url}        REST API, docs at ${gatewayServer.url}/docs`,
      `  catalog   ${catalogServer.url}        Connect (slipway.catalog.v1.CatalogService)`,
      `  database  ${storage}`,
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`slipway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
