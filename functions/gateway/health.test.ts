// Readiness on real Postgres and RabbitMQ, each reached through a TCP proxy this file owns:
// cutting a proxy is the dependency going away (the servers themselves keep running).
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningPayments, startPayments } from "../payments/app.js";
import { PaymentsConfig } from "../payments/config.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { type Bus, openBus } from "../platform/bus/open-bus.js";
import {
  deleteNamespace,
  describeWithBroker,
  rabbitUrl,
  testNamespace,
} from "../platform/bus/rabbitmq/test-broker.js";
import { loadConfig } from "../platform/config.js";
import { queueNames } from "../platform/events/topology.js";
import { createReadiness, type ReadinessReport } from "../platform/health/readiness.js";
import { mountHealth } from "../platform/health/routes.js";
import { createLogger } from "../platform/logger.js";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { startTcpProxy, type TcpProxy } from "../platform/testing/tcp-proxy.js";
import { startGateway } from "./services.js";
import { testGatewayConfig, testJwks } from "./testing.js";

/** What the acceptance asks: unready within 2 s of a dependency going away. */
const NOTICE_WITHIN_MS = 2_000;

// Both servers or neither: databases.ts and test-broker.ts have already said which is missing.
const describeWithBoth = databaseKinds.includes("postgres") ? describeWithBroker : describe.skip;

const proxyTo = (url: string) => {
  const { hostname, port } = new URL(url);
  return startTcpProxy({ targetHost: hostname, targetPort: Number(port) });
};

/** Polls `/health/ready` until it reports `status`; how long that took, and the report. */
async function until(
  app: Hono,
  status: ReadinessReport["status"],
  withinMs: number,
): Promise<{ elapsedMs: number; report: ReadinessReport; httpStatus: number }> {
  const started = performance.now();
  for (;;) {
    const response = await app.request("/health/ready");
    const report = (await response.json()) as ReadinessReport;
    const elapsedMs = Math.round(performance.now() - started);
    if (report.status === status) return { elapsedMs, report, httpStatus: response.status };
    if (elapsedMs > withinMs) {
      throw new Error(`still ${report.status} after ${elapsedMs} ms: ${JSON.stringify(report)}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describeWithBoth("readiness with the database or the broker going away", () => {
  let database: TestDatabase;
  let databaseProxy: TcpProxy;
  let brokerProxy: TcpProxy;
  const namespace = testNamespace();
  let bus: Bus | undefined;
  let payments: RunningPayments | undefined;
  let gateway: Hono;

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    databaseProxy = await proxyTo(database.url as string);
    brokerProxy = await proxyTo(rabbitUrl);
    const config = loadConfig(PaymentsConfig, {
      DATABASE_URL: databaseProxy.urlFor(database.url as string),
      DATA_DIR: database.dataDir,
      BUS: "rabbitmq",
      RABBITMQ_URL: brokerProxy.urlFor(rabbitUrl),
      BUS_NAMESPACE: namespace,
      LOG_LEVEL: "SILENT",
      INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
    });
    bus = await openBus({ ...config, logger: createLogger("bus", "SILENT") });
    payments = await startPayments(config, { publisher: bus.publisher });
    // The other services are always ready here; payments is the one whose dependencies go.
    const ready = new Hono();
    mountHealth(ready, createReadiness({}));
    gateway = startGateway(testGatewayConfig, {
      jwks: testJwks,
      upstreams: {
        catalog: inProcessFetch(ready),
        identity: inProcessFetch(ready),
        orders: inProcessFetch(ready),
        payments: inProcessFetch(payments.app),
      },
    });
  });
  afterAll(async () => {
    await payments?.close();
    await bus?.close();
    await databaseProxy?.close();
    await brokerProxy?.close();
    await deleteNamespace(namespace, queueNames);
    await database?.drop();
  });

  it("is ready with both reachable, and so is the gateway", async () => {
    const response = await payments?.app.request("/health/ready");
    expect(response?.status).toBe(200);
    expect(await response?.json()).toEqual({
      status: "ready",
      checks: {
        database: { status: "ready", latencyMs: expect.any(Number) },
        bus: { status: "ready", latencyMs: expect.any(Number) },
      },
    });
    const aggregate = await gateway.request("/health/ready");
    expect(aggregate.status).toBe(200);
    expect(Object.keys(((await aggregate.json()) as ReadinessReport).checks).sort()).toEqual([
      "catalog",
      "identity",
      "orders",
      "payments",
    ]);
  });

  it("turns unready within 2 s of the database going away, saying why, and ready when it returns", async () => {
    const app = payments?.app as Hono;
    databaseProxy.cut();
    const down = await until(app, "unready", NOTICE_WITHIN_MS);
    expect(down.elapsedMs).toBeLessThan(NOTICE_WITHIN_MS);
    expect(down.httpStatus).toBe(503);
    expect(down.report.checks.database).toMatchObject({
      status: "unready",
      error: expect.any(String),
    });
    expect(down.report.checks.bus?.status).toBe("ready");

    // The gateway names the service and passes its reason on.
    const aggregate = await gateway.request("/health/ready");
    expect(aggregate.status).toBe(503);
    const report = (await aggregate.json()) as ReadinessReport;
    expect(report.status).toBe("unready");
    expect(report.checks.payments?.error).toMatch(/^database: ./);
    expect(report.checks.catalog?.status).toBe("ready");

    databaseProxy.restore();
    const up = await until(app, "ready", NOTICE_WITHIN_MS);
    expect(up.elapsedMs).toBeLessThan(NOTICE_WITHIN_MS);
    expect((await gateway.request("/health/ready")).status).toBe(200);
  });

  it("turns unready within 2 s of the broker going away, saying why without credentials, and ready when it returns", async () => {
    const app = payments?.app as Hono;
    brokerProxy.cut();
    const down = await until(app, "unready", NOTICE_WITHIN_MS);
    expect(down.elapsedMs).toBeLessThan(NOTICE_WITHIN_MS);
    expect(down.report.checks.bus).toMatchObject({ status: "unready", error: expect.any(String) });
    expect(down.report.checks.bus?.error).not.toContain("guest:guest");
    expect(down.report.checks.database?.status).toBe("ready");

    const aggregate = await gateway.request("/health/ready");
    expect(aggregate.status).toBe(503);
    expect(((await aggregate.json()) as ReadinessReport).checks.payments?.error).toMatch(/^bus: ./);

    brokerProxy.restore();
    const up = await until(app, "ready", NOTICE_WITHIN_MS);
    expect(up.elapsedMs).toBeLessThan(NOTICE_WITHIN_MS);
  });
});
