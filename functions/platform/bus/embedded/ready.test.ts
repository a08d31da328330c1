import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createLogger } from "../../logger.js";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../../testing/databases.js";
import { startTcpProxy, type TcpProxy } from "../../testing/tcp-proxy.js";
import { type Bus, openBus } from "../open-bus.js";

const logger = createLogger("bus", "SILENT");

describe.each(databaseKinds)("the embedded bus's probe on %s", (kind) => {
  let database: TestDatabase;
  let proxy: TcpProxy | undefined;
  let bus: Bus | undefined;

  beforeAll(async () => {
    database = await createTestDatabase(kind);
    let url = database.url;
    if (url) {
      const { hostname, port } = new URL(url);
      proxy = await startTcpProxy({ targetHost: hostname, targetPort: Number(port) });
      url = proxy.urlFor(url);
    }
    bus = await openBus({
      BUS: "embedded",
      BUS_MAX_RECEIVE_COUNT: 5,
      BUS_NAMESPACE: "slipway",
      RABBITMQ_URL: "amqp://unused",
      DATABASE_URL: url,
      DATA_DIR: database.dataDir,
      logger,
    });
  });
  afterAll(async () => {
    await bus?.close();
    await proxy?.close();
    await database?.drop();
  });

  it("passes on a reachable database", async () => {
    await bus?.publisher.probe?.(AbortSignal.timeout(1_000));
  });

  // PGlite runs in this process: there is no connection to cut, so the case exists on Postgres only.
  const onPostgres = kind === "postgres" ? it : () => {};
  onPostgres(
    "fails at once, naming the bus's database, while the database is cut off, and passes again after",
    async () => {
      proxy?.cut();
      const started = performance.now();
      await expect(bus?.publisher.probe?.(AbortSignal.timeout(1_000))).rejects.toThrow(
        /^embedded bus database: /,
      );
      expect(performance.now() - started).toBeLessThan(1_000);
      proxy?.restore();
      await bus?.publisher.probe?.(AbortSignal.timeout(1_000));
    },
  );
});
