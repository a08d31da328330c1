// A dependency that goes silent (a dropped route, a frozen server) sends no reset: only the
// check's deadline notices. A TCP server that accepts and never answers stands in for one.
import { createServer, type Server, type Socket } from "node:net";
import { DrizzleQueryError } from "drizzle-orm/errors";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "../db/database.js";
import { databaseCheck, serviceReadiness } from "./checks.js";
import { createReadiness } from "./readiness.js";

let silent: Server;
let silentPort: number;
const sockets = new Set<Socket>();

beforeAll(async () => {
  silent = createServer((socket) => {
    sockets.add(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => silent.listen(0, "127.0.0.1", resolve));
  silentPort = (silent.address() as { port: number }).port;
});
afterAll(async () => {
  for (const socket of sockets) socket.destroy();
  await new Promise((resolve) => silent.close(resolve));
});

describe("databaseCheck", () => {
  it("reports a database that never answers as unready at the deadline", async () => {
    const database = await openDatabase({
      url: `postgres://app:secret@127.0.0.1:${silentPort}/app`,
      dataDir: "unused",
      schema: {},
    });
    try {
      const readiness = createReadiness(
        { database: databaseCheck(database.db) },
        { timeoutMs: 300 },
      );
      const started = performance.now();
      const report = await readiness.check();
      expect(performance.now() - started).toBeLessThan(800);
      expect(report.checks.database).toMatchObject({
        status: "unready",
        error: "no answer within 300 ms",
      });
    } finally {
      // Not awaited: ending waits out the hung query; afterAll's reset ends it.
      void database.close().catch(() => {});
    }
  });

  it("passes the driver's reason on, not Drizzle's wrapper", async () => {
    const failing = {
      execute: async () => {
        throw new DrizzleQueryError("select 1", [], new Error("write ECONNRESET"));
      },
    };
    const report = await createReadiness({ database: databaseCheck(failing) }).check();
    expect(report.checks.database?.error).toBe("write ECONNRESET");
  });
});

describe("serviceReadiness", () => {
  const db = { execute: async () => {} };
  const publisher = { publish: async () => {}, close: async () => {} };

  it("checks the bus when the publisher can be probed", async () => {
    const report = await serviceReadiness({
      db,
      publisher: {
        ...publisher,
        probe: async () => {
          throw new Error("RabbitMQ: connection lost (read ECONNRESET)");
        },
      },
    }).check();
    expect(report).toMatchObject({
      status: "unready",
      checks: {
        database: { status: "ready" },
        bus: { status: "unready", error: "RabbitMQ: connection lost (read ECONNRESET)" },
      },
    });
  });

  it("leaves the bus out for a publisher without a probe, and for a service without a bus", async () => {
    expect(Object.keys((await serviceReadiness({ db, publisher }).check()).checks)).toEqual([
      "database",
    ]);
    expect(Object.keys((await serviceReadiness({ db }).check()).checks)).toEqual(["database"]);
  });
});
