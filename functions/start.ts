/**
 * `npm start`: every service in one Node process on its own port, with the embedded database
 * (or real Postgres when DATABASE_URL is set). The same apps the Lambda entry points wrap.
 */
import * as v from "valibot";
import { CatalogConfig } from "./catalog/config.js";
import { GatewayConfig } from "./gateway/config.js";
import { startGateway } from "./gateway/services.js";
import { IdentityConfig } from "./identity/config.js";
import type { LocalAccess } from "./identity/oauth/seed-local.js";
import { accessLines, tracesLine } from "./local/banner.js";
import { dataDirOf, localEnv } from "./local/local-env.js";
import { startLocalService } from "./local/services.js";
import { OrdersConfig } from "./orders/config.js";
import { PaymentsConfig } from "./payments/config.js";
import { openBus } from "./platform/bus/open-bus.js";
import { ConfigError, loadConfig } from "./platform/config.js";
import { createLogger } from "./platform/logger.js";
import { listen, type RunningServer } from "./platform/node-server.js";
import { asService } from "./platform/telemetry/span-service.js";
import { startTracing } from "./platform/telemetry/tracing.js";

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

async function main(): Promise<void> {
  const dataDir = dataDirOf(process.env);
  // First, so that everything after is traced: spans to DATA_DIR/traces, unless OTLP is
  // configured or TRACES=off.
  const tracing = await startTracing({ service: "slipway", dataDir });
  // One schema for the whole process, so one error lists every bad variable of every service.
  // Tokens name the gateway this process runs as their issuer, secrets kept in DATA_DIR,
  // unless told otherwise.
  const config = loadConfig(LocalConfig, {
    ...process.env,
    ...(await localEnv(process.env, dataDir)),
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
    const runtime = { publisher: bus.publisher, logger, primary: true };
    const catalog = await startLocalService("catalog", config, runtime);
    running.push(catalog.close);
    const orders = await startLocalService("orders", { ...config, ...urls }, runtime);
    running.push(orders.close);
    const payments = await startLocalService("payments", config, runtime);
    running.push(payments.close);
    const identity = await startLocalService("identity", config, runtime);
    running.push(identity.close);
    access = identity.access as LocalAccess;
    for (const [queue, consumer] of [
      ["catalog", catalog.consumer],
      ["orders", orders.consumer],
      ["payments", payments.consumer],
    ] as const) {
      if (!consumer) continue;
      const events = bus.subscriber();
      await events.start(queue, asService(queue, consumer));
      running.push(events.stop);
    }
    await serve("identity", identity.fetch, config.PORT_IDENTITY);
    await serve("catalog", catalog.fetch, config.PORT_CATALOG);
    await serve("orders", orders.fetch, config.PORT_ORDERS);
    await serve("payments", payments.fetch, config.PORT_PAYMENTS);
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
      ...accessLines(gatewayUrl, access),
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
