/**
 * One service, or the gateway, in a Node process of its own, as `npm run start:local` starts
 * each: `node --import tsx functions/local/run-service.ts catalog`. Configured by the
 * environment as its Lambda is (its own config schema, DATABASE_URL as its own role), plus
 * PORT_<SERVICE>, HOST and LOCAL_PRIMARY=1 on the one instance that runs the scheduled jobs.
 *
 * It serves the service's HTTP (Connect, health, metrics), handles its queue's events and
 * sweeps its outbox. Once listening it tells its parent over IPC (`ReadyMessage`); it stops on
 * SIGINT or SIGTERM, or when its parent goes away.
 */
import type { GenericSchema } from "valibot";
import { CatalogConfig } from "../catalog/config.js";
import { GatewayConfig } from "../gateway/config.js";
import { startGateway } from "../gateway/services.js";
import { IdentityConfig } from "../identity/config.js";
import type { LocalAccess } from "../identity/oauth/seed-local.js";
import { OrdersConfig } from "../orders/config.js";
import { PaymentsConfig } from "../payments/config.js";
import { openBus } from "../platform/bus/open-bus.js";
import { ConfigError, loadConfig } from "../platform/config.js";
import { createLogger } from "../platform/logger.js";
import { listen } from "../platform/node-server.js";
import { asService } from "../platform/telemetry/span-service.js";
import { startTracing, type Tracing } from "../platform/telemetry/tracing.js";
import { dataDirOf } from "./local-env.js";
import { type LocalServiceName, startLocalService } from "./services.js";

/** What a service process sends its parent once it listens. */
export interface ReadyMessage {
  type: "ready";
  url: string;
  pid: number;
  access?: LocalAccess;
  traces: Pick<Tracing, "exporter" | "destination">;
}

const SCHEMAS = {
  identity: IdentityConfig,
  catalog: CatalogConfig,
  orders: OrdersConfig,
  payments: PaymentsConfig,
  gateway: GatewayConfig,
} satisfies Record<string, GenericSchema<Record<string, unknown>, Record<string, unknown>>>;

export type ProcessName = keyof typeof SCHEMAS;

const name = process.argv[2] as ProcessName;

async function main(): Promise<void> {
  if (!(name in SCHEMAS)) {
    throw new Error(`run-service: name one of ${Object.keys(SCHEMAS).join(", ")}`);
  }
  const dataDir = dataDirOf(process.env);
  const tracing = await startTracing({ service: name, dataDir });
  const config = loadConfig(SCHEMAS[name]);
  const logger = createLogger(name, config.LOG_LEVEL);
  const port = Number(config[`PORT_${name.toUpperCase()}` as keyof typeof config]);

  const running: (() => Promise<unknown>)[] = [tracing.shutdown];
  let stopping = false;
  const stop = async (reason: string) => {
    if (stopping) return;
    stopping = true;
    logger.info("stopping", { reason });
    for (const close of running.reverse()) {
      await close().catch((error) => logger.error("stop failed", { error }));
    }
    process.exit(0);
  };
  // A second signal changes nothing: the parent decides when waiting is over.
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  // The parent died without stopping us (kill -9): nobody is left to supervise.
  process.on("disconnect", () => void stop("parent gone"));

  let fetch: (request: Request) => Response | Promise<Response>;
  let access: LocalAccess | undefined;
  if (name === "gateway") {
    fetch = startGateway(config as GatewayConfig).fetch;
  } else {
    const service: LocalServiceName = name;
    // Identity publishes and consumes no events.
    const bus =
      service === "identity" ? undefined : await openBus({ ...(config as CatalogConfig), logger });
    if (bus) running.push(bus.close);
    const started = await startLocalService(service, config as never, {
      publisher: bus?.publisher,
      logger,
      primary: process.env.LOCAL_PRIMARY === "1",
    });
    running.push(started.close);
    if (bus && started.consumer) {
      const events = bus.subscriber();
      await events.start(service, asService(service, started.consumer));
      running.push(events.stop);
    }
    fetch = started.fetch;
    access = started.access;
  }
  const server = await listen(asService(name, fetch), {
    port,
    hostname: process.env.HOST || "127.0.0.1",
  });
  running.push(server.close);
  if (stopping) return;
  const traces = { exporter: tracing.exporter, destination: tracing.destination };
  const ready: ReadyMessage = { type: "ready", url: server.url, pid: process.pid, access, traces };
  process.send?.(ready);
}

main().catch((error: unknown) => {
  const { code, message } = error as NodeJS.ErrnoException;
  const reason =
    error instanceof ConfigError
      ? error.message
      : code === "EADDRINUSE"
        ? `its port is already in use (${message})`
        : (message ?? String(error));
  process.stderr.write(`${name} failed to start: ${reason}\n`);
  if (process.env.LOG_LEVEL === "DEBUG") process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
