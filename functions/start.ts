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
import { startOrders } from "./orders/app.js";
import { OrdersConfig } from "./orders/config.js";
import { startPayments } from "./payments/app.js";
import { PaymentsConfig } from "./payments/config.js";
import { openBus } from "./platform/bus/open-bus.js";
import { ConfigError, loadConfig } from "./platform/config.js";
import { localSecret } from "./platform/local-secret.js";
import { createLogger, type Logger } from "./platform/logger.js";
import { listen, type RunningServer } from "./platform/node-server.js";
import { asService } from "./platform/telemetry/span-service.js";
import { startTracing, type Tracing } from "./platform/telemetry/tracing.js";

const PORTS = [
  "PORT_GATEWAY",
  "PORT_IDENTITY",
  "PORT_CATALOG",
  "PORT_ORDERS",
  "PORT_PAYMENTS",
] as const;

const LocalConfig = v.pipe(
  v.object({
    ...CatalogConfig.entries,
    ...IdentityConfig.entries,
    ...OrdersConfig.entries,
    ...PaymentsConfig.entries,
    ...GatewayConfig.entries,
    /** Interface to listen on; 127.0.0.1 keeps a laptop's services off the network. */
    HOST: v.optional(v.string(), "127.0.0.1"),
  }),
  v.forward(
    v.partialCheck(
      [["PORT_GATEWAY"], ["PORT_IDENTITY"], ["PORT_CATALOG"], ["PORT_ORDERS"], ["PORT_PAYMENTS"]],
      (config) => new Set(PORTS.map((name) => config[name])).size === PORTS.length,
      `${PORTS.slice(0, -1).join(", ")} and ${PORTS.at(-1)} must all differ`,
    ),
    ["PORT_GATEWAY"],
  ),
);

/** How often expired stock reservations are released. */
const RESERVATION_SWEEP_INTERVAL_MS = 5_000;

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
  const dataDir = dataDirOf(process.env);
  // First, so that everything after is traced: spans to DATA_DIR/traces, unless OTLP is
  // configured or TRACES=off.
  const tracing = startTracing({ service: "slipway", dataDir });
  // One schema for the whole process, so one error lists every bad variable of every service.
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
  // Callers find the services wherever this process puts them, unless told otherwise.
  const local = (variable: string, port: number, configured: string) =>
    process.env[variable] ? configured : `http://127.0.0.1:${port}`;
  const urls = {
    CATALOG_URL: local("CATALOG_URL", config.PORT_CATALOG, config.CATALOG_URL),
    IDENTITY_URL: local("IDENTITY_URL", config.PORT_IDENTITY, config.IDENTITY_URL),
    ORDERS_URL: local("ORDERS_URL", config.PORT_ORDERS, config.ORDERS_URL),
    PAYMENTS_URL: local("PAYMENTS_URL", config.PORT_PAYMENTS, config.PAYMENTS_URL),
  };
  const logger = createLogger("local", config.LOG_LEVEL);

  // What has started, stopped in reverse: servers first, the database last, then the last
  // spans are written.
  const running: (() => Promise<void>)[] = [tracing.shutdown];
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
  const servers: Record<string, RunningServer> = {};
  const serve = async (
    name: string,
    fetch: (request: Request) => Promise<Response> | Response,
    port: number,
  ) => {
    // Every span of a request belongs to the service that serves it.
    const server = await listen(asService(name, fetch), { port, hostname: config.HOST });
    running.push(server.close);
    servers[name] = server;
  };
  try {
    const bus = await openBus({ ...config, logger });
    running.push(bus.close);
    const catalog = await startCatalog(config, { publisher: bus.publisher });
    running.push(catalog.close);
    running.push(catalog.outbox.startSweeper().stop);
    running.push(every(MAINTENANCE_INTERVAL_MS, () => catalog.prune(), logger));
    running.push(every(RESERVATION_SWEEP_INTERVAL_MS, () => catalog.expireReservations(), logger));
    const orders = await startOrders({ ...config, ...urls }, { publisher: bus.publisher });
    running.push(orders.close);
    running.push(orders.outbox.startSweeper().stop);
    running.push(every(MAINTENANCE_INTERVAL_MS, () => orders.prune(), logger));
    const payments = await startPayments(config, { publisher: bus.publisher });
    running.push(payments.close);
    running.push(payments.outbox.startSweeper().stop);
    running.push(every(MAINTENANCE_INTERVAL_MS, () => payments.prune(), logger));
    const identity = await startIdentity(config);
    running.push(identity.close);
    running.push(every(MAINTENANCE_INTERVAL_MS, () => identity.prune(), logger));
    running.push(every(MAINTENANCE_INTERVAL_MS, () => identity.rotateKeyIfDue(), logger));
    // Local runs only: a CLI client, an admin client and a demo customer, secrets in DATA_DIR.
    access = await seedLocalAccess(identity.db, { dataDir: config.DATA_DIR });
    for (const [queue, consumer] of [
      ["catalog", catalog.consumer],
      ["orders", orders.consumer],
      ["payments", payments.consumer],
    ] as const) {
      const events = bus.subscriber();
      await events.start(queue, asService(queue, consumer));
      running.push(events.stop);
    }
    await serve("identity", identity.app.fetch, config.PORT_IDENTITY);
    await serve("catalog", catalog.app.fetch, config.PORT_CATALOG);
    await serve("orders", orders.app.fetch, config.PORT_ORDERS);
    await serve("payments", payments.app.fetch, config.PORT_PAYMENTS);
    await serve("gateway", startGateway({ ...config, ...urls }).fetch, config.PORT_GATEWAY);
  } catch (error) {
    await stop();
    throw error;
  }
  if (stopping) return;
  const storage = config.DATABASE_URL ? "postgres (DATABASE_URL)" : `embedded (${config.DATA_DIR})`;
  const url = (name: string) => servers[name]?.url ?? "";
  const gatewayUrl = url("gateway");
  process.stdout.write(
    [
      "",
      "slipway is running",
      `  gateway   ${gatewayUrl}        REST API, docs at ${gatewayUrl}/docs`,
      `  identity  ${url("identity")}        Connect (slipway.identity.v1.IdentityService), JWKS`,
      `  catalog   ${url("catalog")}        Connect (slipway.catalog.v1.CatalogService)`,
      `  orders    ${url("orders")}        Connect (slipway.orders.v1.OrdersService)`,
      `  payments  ${url("payments")}        Connect (slipway.payments.v1.PaymentsService)`,
      `  database  ${storage}`,
      `  events    ${config.BUS} bus`,
      `  traces    ${tracesLine(tracing, dataDir)}`,
      "",
      "Tokens (OAuth 2.0 at the gateway):",
      `  admin     curl -s -u ${ADMIN_CLIENT_ID}:$(cat ${access.adminSecretFile}) -d grant_type=client_credentials -d scope=catalog:write ${gatewayUrl}/oauth2/token`,
      `  customer  ${loginCommand(gatewayUrl)} -- ${DEMO_EMAIL}   (password in ${access.demoPasswordFile})`,
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

/** Where spans go, and how to read them when they go to files. */
function tracesLine(tracing: Tracing, dataDir: string): string {
  if (tracing.exporter !== "file") return tracing.destination;
  const command = `${dataDir === dataDirOf({}) ? "" : `DATA_DIR=${dataDir} `}npm run trace -- --last`;
  return `${tracing.destination}        ${command}`;
}

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
    return `slipway failed to start: port ${port} is already in use; stop what holds it or choose another with ${PORTS.join(" / ")}`;
  }
  if (code === "ECONNREFUSED" || code === "ENOTFOUND" || code === "3D000" || code === "28P01") {
    return `slipway failed to start: cannot use the database at DATABASE_URL (${message})`;
  }
  return `slipway failed to start: ${message ?? String(error)}`;
}
