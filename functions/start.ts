/**
 * `npm start`: every service in one Node process on its own port, with the embedded database
 * (or real Postgres when DATABASE_URL is set). The same apps the Lambda entry points wrap.
 */
import * as v from "valibot";
import { startCatalog } from "./catalog/app.js";
import { CatalogConfig } from "./catalog/config.js";
import { GatewayConfig } from "./gateway/config.js";
import { startGateway } from "./gateway/services.js";
import { startIdentity } from "./identity/app.js";
import { IdentityConfig } from "./identity/config.js";
import {
  ADMIN_CLIENT_ID,
  DEMO_EMAIL,
  type LocalAccess,
  seedLocalAccess,
} from "./identity/oauth/seed-local.js";
import { openBus } from "./platform/bus/open-bus.js";
import { ConfigError, loadConfig } from "./platform/config.js";
import { localSecret } from "./platform/local-secret.js";
import { createLogger, type Logger } from "./platform/logger.js";
import { listen, type RunningServer } from "./platform/node-server.js";

const LocalConfig = v.pipe(
  v.object({
    ...CatalogConfig.entries,
    ...IdentityConfig.entries,
    ...GatewayConfig.entries,
    /** Interface to listen on; 127.0.0.1 keeps a laptop's services off the network. */
    HOST: v.optional(v.string(), "127.0.0.1"),
  }),
  v.forward(
    v.partialCheck(
      [["PORT_GATEWAY"], ["PORT_IDENTITY"], ["PORT_CATALOG"]],
      (config) =>
        new Set([config.PORT_GATEWAY, config.PORT_IDENTITY, config.PORT_CATALOG]).size === 3,
      "PORT_GATEWAY, PORT_IDENTITY and PORT_CATALOG must all differ",
    ),
    ["PORT_GATEWAY"],
  ),
);

const dataDirOf = (env: NodeJS.ProcessEnv) => env.DATA_DIR || ".data";

const MAINTENANCE_INTERVAL_MS = 60 * 60_000;

/** Runs `job` every `intervalMs` (not overlapping itself); returns its stop function. */
function every(intervalMs: number, job: () => Promise<unknown>, logger: Logger) {
  let current: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(job).catch((error) => logger.error("scheduled job failed", { error }));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await current;
  };
}

async function main(): Promise<void> {
  // One schema for the whole process, so one error lists every bad variable of every service.
  const dataDir = dataDirOf(process.env);
  const config = loadConfig(LocalConfig, {
    ...process.env,
    // Tokens name the gateway this process runs as their issuer, unless told otherwise.
    TOKEN_ISSUER:
      process.env.TOKEN_ISSUER || `http://127.0.0.1:${process.env.PORT_GATEWAY || "3000"}`,
    IDENTITY_KEY_SECRET:
      process.env.IDENTITY_KEY_SECRET || (await localSecret(dataDir, "identity-key-secret")),
    INTERNAL_TOKEN_SECRET:
      process.env.INTERNAL_TOKEN_SECRET || (await localSecret(dataDir, "internal-token-secret")),
  });
  const gatewayConfig = {
    ...config,
    // The gateway finds the services wherever this process puts them, unless told otherwise.
    CATALOG_URL: process.env.CATALOG_URL
      ? config.CATALOG_URL
      : `http://127.0.0.1:${config.PORT_CATALOG}`,
    IDENTITY_URL: process.env.IDENTITY_URL
      ? config.IDENTITY_URL
      : `http://127.0.0.1:${config.PORT_IDENTITY}`,
  };
  const logger = createLogger("local", config.LOG_LEVEL);

  // What has started, stopped in reverse: servers first, the database last.
  const running: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const close of running.reverse()) {
      await close().catch((error) => logger.error("stop failed", { error }));
    }
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

  let access: LocalAccess;
  let identityServer: RunningServer;
  let catalogServer: RunningServer;
  let gatewayServer: RunningServer;
  try {
    const bus = await openBus({ ...config, logger });
    running.push(bus.close);
    const catalog = await startCatalog(config, { publisher: bus.publisher });
    running.push(catalog.close);
    running.push(catalog.outbox.startSweeper().stop);
    running.push(every(MAINTENANCE_INTERVAL_MS, () => catalog.prune(), logger));
    const identity = await startIdentity(config);
    running.push(identity.close);
    running.push(every(MAINTENANCE_INTERVAL_MS, () => identity.prune(), logger));
    running.push(every(MAINTENANCE_INTERVAL_MS, () => identity.rotateKeyIfDue(), logger));
    // Local runs only: a CLI client, an admin client and a demo customer, secrets in DATA_DIR.
    access = await seedLocalAccess(identity.db, { dataDir: config.DATA_DIR });
    const catalogEvents = bus.subscriber();
    await catalogEvents.start("catalog", catalog.consumer);
    running.push(catalogEvents.stop);
    identityServer = await listen(identity.app.fetch, {
      port: config.PORT_IDENTITY,
      hostname: config.HOST,
    });
    running.push(identityServer.close);
    catalogServer = await listen(catalog.app.fetch, {
      port: config.PORT_CATALOG,
      hostname: config.HOST,
    });
    running.push(catalogServer.close);
    gatewayServer = await listen(startGateway(gatewayConfig).fetch, {
      port: config.PORT_GATEWAY,
      hostname: config.HOST,
    });
    running.push(gatewayServer.close);
  } catch (error) {
    await stop();
    throw error;
  }
  if (stopping) return;
  const storage = config.DATABASE_URL ? "postgres (DATABASE_URL)" : `embedded (${config.DATA_DIR})`;
  process.stdout.write(
    [
      "",
      "slipway is running",
      `  gateway   ${gatewayServer.url}        REST API, docs at ${gatewayServer.url}/docs`,
      `  identity  ${identityServer.url}        Connect (slipway.identity.v1.IdentityService), JWKS`,
      `  catalog   ${catalogServer.url}        Connect (slipway.catalog.v1.CatalogService)`,
      `  database  ${storage}`,
      `  events    ${config.BUS} bus`,
      "",
      "Tokens (OAuth 2.0 at the gateway):",
      `  admin     curl -s -u ${ADMIN_CLIENT_ID}:$(cat ${access.adminSecretFile}) -d grant_type=client_credentials -d scope=catalog:write ${gatewayServer.url}/oauth2/token`,
      `  customer  ${loginCommand(gatewayServer.url)} -- ${DEMO_EMAIL}   (password in ${access.demoPasswordFile})`,
      "",
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

main().catch((error: unknown) => {
  process.stderr.write(`${startFailure(error)}\n`);
  if (process.env.LOG_LEVEL === "DEBUG") process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});

/** `npm run login`, pointed at this gateway when it is not on the default port. */
function loginCommand(gatewayUrl: string): string {
  return gatewayUrl === "http://127.0.0.1:3000"
    ? "npm run login"
    : `SLIPWAY_URL=${gatewayUrl} npm run login`;
}

/** One line an operator can act on; the stack only with LOG_LEVEL=DEBUG. */
function startFailure(error: unknown): string {
  if (error instanceof ConfigError) return error.message;
  const { code, port, message } = error as NodeJS.ErrnoException & { port?: number };
  if (code === "EADDRINUSE") {
    return `slipway failed to start: port ${port} is already in use; stop what holds it or choose another with PORT_GATEWAY / PORT_CATALOG`;
  }
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "3D000" || code === "28P01") {
    return `slipway failed to start: cannot use the database at DATABASE_URL (${message})`;
  }
  return `slipway failed to start: ${message ?? String(error)}`;
}
