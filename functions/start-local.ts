/**
 * `npm run start:local`: local parity mode. Each service runs in a Node process of its own
 * (replicas with `<SERVICE>_REPLICAS`), plus the gateway, against real Postgres (one role and
 * schema per service, under DATABASE_URL) and RabbitMQ, or SNS/SQS when AWS_ENDPOINT_URL points
 * at LocalStack or fauxqs. Callers take turns over a service's replicas (`<SERVICE>_URLS`).
 * If any process dies, everything stops; Ctrl-C stops everything cleanly.
 */
import * as v from "valibot";
import type { LocalAccess } from "./identity/oauth/seed-local.js";
import { accessLines, tracesLine } from "./local/banner.js";
import { dataDirOf, localEnv } from "./local/local-env.js";
import { prepareServiceRoles } from "./local/postgres.js";
import {
  describeExit,
  freePort,
  type Instance,
  spawnInstance,
  stopInstances,
} from "./local/processes.js";
import type { ProcessName } from "./local/run-service.js";
import { LOCAL_SERVICES } from "./local/services.js";
import { busConfig } from "./platform/bus/config.js";
import { ConfigError, httpUrl, loadConfig, port, positiveInteger } from "./platform/config.js";
import { redactCredentials } from "./platform/health/readiness.js";

// The database of localstack/compose.yaml (its local-only password; trust auth ignores it).
const DEFAULT_DATABASE_URL = "postgres://postgres:postgres@127.0.0.1:5432/slipway";
/** How long the processes may take to listen (migrations included). */
const READY_TIMEOUT_MS = 90_000;
/** How long a process may take to stop before it is killed. */
const STOP_TIMEOUT_MS = 10_000;

const replicas = v.pipe(positiveInteger(1), v.maxValue(16, "must be at most 16"));

const StartLocalConfig = v.object({
  /** An administrator's URL: the database is created if missing, then a role per service. */
  DATABASE_URL: v.optional(
    v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")),
    DEFAULT_DATABASE_URL,
  ),
  /** Roles are `<prefix>_<service>`; roles are shared by every database of a server. */
  DATABASE_ROLE_PREFIX: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z_][a-z0-9_]{0,40}$/, "must be 1-41 of a-z, 0-9 and _")),
    "slipway",
  ),
  BUS: v.optional(
    v.picklist(
      ["rabbitmq", "sns-sqs"],
      "must be rabbitmq or sns-sqs (the embedded bus is npm start's)",
    ),
  ),
  AWS_ENDPOINT_URL: v.optional(httpUrl),
  RABBITMQ_URL: busConfig.RABBITMQ_URL,
  BUS_NAMESPACE: busConfig.BUS_NAMESPACE,
  BUS_MAX_RECEIVE_COUNT: busConfig.BUS_MAX_RECEIVE_COUNT,
  PORT_GATEWAY: port(3000),
  PORT_IDENTITY: port(3001),
  PORT_CATALOG: port(3002),
  PORT_ORDERS: port(3003),
  PORT_PAYMENTS: port(3004),
  IDENTITY_REPLICAS: replicas,
  CATALOG_REPLICAS: replicas,
  ORDERS_REPLICAS: replicas,
  PAYMENTS_REPLICAS: replicas,
  HOST: v.optional(v.string(), "127.0.0.1"),
});

type Config = v.InferOutput<typeof StartLocalConfig>;

const upper = (name: string) => name.toUpperCase();

async function main(): Promise<void> {
  const dataDir = dataDirOf(process.env);
  const config = loadConfig(StartLocalConfig);
  const ports = ["gateway", ...LOCAL_SERVICES].map((name) => config[portVariable(name)]);
  if (new Set(ports).size !== ports.length) {
    throw new ConfigError([
      "PORT_GATEWAY, PORT_IDENTITY, PORT_CATALOG, PORT_ORDERS and PORT_PAYMENTS must all differ",
    ]);
  }
  const bus = config.BUS ?? (config.AWS_ENDPOINT_URL ? "sns-sqs" : "rabbitmq");
  const started = performance.now();

  const database = await prepareServiceRoles(config.DATABASE_URL, {
    services: LOCAL_SERVICES,
    dataDir,
    rolePrefix: config.DATABASE_ROLE_PREFIX,
  }).catch((error: unknown) => {
    throw new Error(
      `cannot prepare the database at DATABASE_URL ${redactCredentials(config.DATABASE_URL)} (${(error as Error).message})`,
    );
  });
  const awsDefaults = bus === "sns-sqs" ? await prepareSnsSqs(config) : {};

  // Where each instance listens: the first replica on PORT_<SERVICE>, the others on free ports.
  const plan: { name: string; service: ProcessName; port: number; primary: boolean }[] = [];
  for (const service of LOCAL_SERVICES) {
    const count = config[`${upper(service)}_REPLICAS` as `${Uppercase<typeof service>}_REPLICAS`];
    for (let replica = 1; replica <= count; replica++) {
      plan.push({
        name: `${service}.${replica}`,
        service,
        port: replica === 1 ? config[portVariable(service)] : await freePort(config.HOST),
        primary: replica === 1,
      });
    }
  }
  plan.push({ name: "gateway", service: "gateway", port: config.PORT_GATEWAY, primary: true });
  const urlOf = (port: number) => `http://${config.HOST}:${port}`;
  const serviceUrls: Record<string, string> = {};
  for (const service of LOCAL_SERVICES) {
    const urls = plan.filter((one) => one.service === service).map((one) => urlOf(one.port));
    serviceUrls[`${upper(service)}_URL`] = urls[0] as string;
    serviceUrls[`${upper(service)}_URLS`] = urls.join(",");
  }

  const common: NodeJS.ProcessEnv = {
    ...process.env,
    ...(await localEnv(process.env, dataDir)),
    ...awsDefaults,
    ...serviceUrls,
    DATA_DIR: dataDir,
    BUS: bus,
    HOST: config.HOST,
    // Tagged lines read best as text on a terminal; piped elsewhere they stay JSON.
    LOG_FORMAT: process.env.LOG_FORMAT || (process.stdout.isTTY ? "pretty" : "json"),
  };
  // The administrator's URL stays here; each service gets its own role's.
  delete common.DATABASE_URL;
  const tagWidth = Math.max(...plan.map((one) => one.name.length));
  const instances: Instance[] = plan.map((one) =>
    spawnInstance({
      name: one.name,
      service: one.service,
      tagWidth,
      env: {
        ...common,
        [`PORT_${upper(one.service)}`]: String(one.port),
        LOCAL_PRIMARY: one.primary ? "1" : "0",
        ...(one.service === "gateway"
          ? {}
          : { DATABASE_URL: database.urls[one.service as (typeof LOCAL_SERVICES)[number]] }),
      },
    }),
  );

  let stopping = false;
  const stopAll = async (why: string, code: number) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`slipway: ${why}\n`);
    const unclean = await stopInstances(instances, STOP_TIMEOUT_MS);
    if (unclean.length > 0) process.stderr.write(`slipway: unclean stop: ${unclean.join(", ")}\n`);
    process.exit(unclean.length > 0 ? Math.max(code, 1) : code);
  };
  process.on("SIGINT", () => {
    // A second Ctrl-C means now.
    if (stopping) {
      for (const instance of instances) instance.child.kill("SIGKILL");
      process.exit(130);
    }
    void stopAll("stopping (SIGINT)", 0);
  });
  process.on("SIGTERM", () => void stopAll("stopping (SIGTERM)", 0));
  for (const instance of instances) {
    instance.exited.then((exit) => {
      const pid = instance.child.pid;
      void stopAll(
        `${instance.name} (pid ${pid}) exited (${describeExit(exit)}); stopping every process`,
        1,
      );
    });
  }

  let timer: NodeJS.Timeout | undefined;
  const ready = await Promise.race([
    Promise.all(instances.map((instance) => instance.ready)),
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`not every process was ready within ${READY_TIMEOUT_MS} ms`)),
        READY_TIMEOUT_MS,
      );
    }),
  ]).catch(async (error: unknown) => {
    await stopAll(`failed to start: ${(error as Error).message}`, 1);
    throw error;
  });
  clearTimeout(timer);
  if (stopping) return;

  const gateway = ready.at(-1);
  const access = ready.find((message) => message.access)?.access as LocalAccess;
  const gatewayUrl = gateway?.url ?? urlOf(config.PORT_GATEWAY);
  const rows = plan.map((one, i) => {
    const message = ready[i];
    const what = one.service === "gateway" ? `REST API, docs at ${gatewayUrl}/docs` : "Connect";
    return `  ${one.name.padEnd(tagWidth)}  ${message?.url.padEnd(24)}  pid ${String(message?.pid).padEnd(8)} ${what}`;
  });
  const roles = LOCAL_SERVICES.map((service) => `${config.DATABASE_ROLE_PREFIX}_${service}`);
  const events =
    bus === "rabbitmq"
      ? `rabbitmq bus at ${redactCredentials(config.RABBITMQ_URL)}, namespace ${config.BUS_NAMESPACE}`
      : `sns-sqs bus at ${config.AWS_ENDPOINT_URL ?? "AWS"}, namespace ${config.BUS_NAMESPACE}`;
  process.stdout.write(
    [
      "",
      `slipway is running: local parity mode, one process per service instance (ready in ${((performance.now() - started) / 1000).toFixed(1)} s)`,
      ...rows,
      `  database  ${redactCredentials(config.DATABASE_URL)} (DATABASE_URL${database.created ? ", created now" : ""}), each service as its own role: ${roles.join(", ")}`,
      `  events    ${events}`,
      `  traces    ${gateway?.traces ? tracesLine(gateway.traces, dataDir) : "off"}`,
      "",
      ...(access ? accessLines(gatewayUrl, access) : []),
      "",
      "Press Ctrl-C to stop.",
      "",
    ].join("\n"),
  );
}

const portVariable = (name: string) =>
  `PORT_${upper(name)}` as
    | "PORT_GATEWAY"
    | "PORT_IDENTITY"
    | "PORT_CATALOG"
    | "PORT_ORDERS"
    | "PORT_PAYMENTS";

/**
 * SNS topics and SQS queues made before any service starts (the services only use them), and
 * an emulator's stand-in credentials when the shell has none.
 */
async function prepareSnsSqs(config: Config): Promise<NodeJS.ProcessEnv> {
  const { createSnsSqsClients } = await import("./platform/bus/sns-sqs/clients.js");
  const { ensureSnsSqsTopology } = await import("./platform/bus/sns-sqs/ensure-topology.js");
  const emulated = config.AWS_ENDPOINT_URL !== undefined && !process.env.AWS_ACCESS_KEY_ID;
  const defaults = emulated ? { AWS_ACCESS_KEY_ID: "test", AWS_SECRET_ACCESS_KEY: "test" } : {};
  const credentials = emulated ? { accessKeyId: "test", secretAccessKey: "test" } : undefined;
  await ensureSnsSqsTopology(createSnsSqsClients(credentials ? { credentials } : {}), {
    namespace: config.BUS_NAMESPACE,
    maxReceiveCount: config.BUS_MAX_RECEIVE_COUNT,
  });
  return defaults;
}

main().catch((error: unknown) => {
  process.stderr.write(
    error instanceof ConfigError
      ? `${error.message}\n`
      : `slipway failed to start: ${(error as Error).message}\n`,
  );
  if (process.env.LOG_LEVEL === "DEBUG") process.stderr.write(`${(error as Error).stack}\n`);
  process.exit(1);
});
