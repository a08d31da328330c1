/**
 * `npm start`: every service in one Node process on its own port, with the embedded database
 * (or real Postgres when DATABASE_URL is set). The same apps the Lambda entry points wrap.
 */
import * as v from "valibot";
import { startCatalog } from "./catalog/app.js";
import { CatalogConfig } from "./catalog/config.js";
import { GatewayConfig } from "./gateway/config.js";
import { startGateway } from "./gateway/services.js";
import { ConfigError, loadConfig } from "./platform/config.js";
import { createLogger } from "./platform/logger.js";
import { listen, type RunningServer } from "./platform/node-server.js";

const RunnerConfig = v.object({
  /** Interface to listen on; 127.0.0.1 keeps a laptop's services off the network. */
  HOST: v.optional(v.string(), "127.0.0.1"),
});

async function main(): Promise<void> {
  const runner = loadConfig(RunnerConfig);
  const catalogConfig = loadConfig(CatalogConfig);
  const gatewayConfig = loadConfig(GatewayConfig, {
    // The gateway finds catalog wherever this process puts it, unless told otherwise.
    CATALOG_URL: `http://127.0.0.1:${catalogConfig.PORT_CATALOG}`,
    ...process.env,
  });
  const logger = createLogger("local", gatewayConfig.LOG_LEVEL);

  const catalog = await startCatalog(catalogConfig);
  const servers: RunningServer[] = [];
  const stop = async () => {
    await Promise.allSettled(servers.map((server) => server.close()));
    await catalog.close();
  };
  try {
    servers.push(
      await listen(catalog.app.fetch, { port: catalogConfig.PORT_CATALOG, hostname: runner.HOST }),
    );
    servers.push(
      await listen(startGateway(gatewayConfig).fetch, {
        port: gatewayConfig.PORT_GATEWAY,
        hostname: runner.HOST,
      }),
    );
  } catch (error) {
    await stop();
    throw error;
  }
  const [catalogServer, gatewayServer] = servers as [RunningServer, RunningServer];
  const storage = catalogConfig.DATABASE_URL
    ? "postgres (DATABASE_URL)"
    : `embedded (${catalogConfig.DATA_DIR})`;
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
}

main().catch((error: unknown) => {
  if (error instanceof ConfigError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    process.stderr.write(`slipway failed to start: ${(error as Error).stack ?? String(error)}\n`);
  }
  process.exit(1);
});
