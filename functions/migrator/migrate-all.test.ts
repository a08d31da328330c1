// The deploy-time migrator against real Postgres, through its Lambda entry: links arrive as SST
// puts them in a function's environment (SST_RESOURCE_<Name>), read by SST's own Resource.
import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Logger } from "../platform/logger.js";
import { lambdaContext } from "../platform/testing/api-gateway-event.js";
import {
  createTestDatabase,
  databaseKinds,
  type TestDatabase,
} from "../platform/testing/databases.js";
import { dropRoles } from "../platform/testing/postgres-server.js";
import { migrateAll } from "./migrate-all.js";
import { servicesWithDatabase } from "./services.js";

describe.runIf(databaseKinds.includes("postgres"))("the migrator Lambda", () => {
  // Roles belong to the whole cluster: this run's own names, dropped afterwards.
  const prefix = `slipway_m${randomBytes(4).toString("hex")}`;
  const roleOf = (service: string) => `${prefix}_${service}`;
  let database: TestDatabase;
  let handler: (event: unknown, context: unknown) => Promise<{ migrated: unknown[] }>;

  const linkOf = (url: URL, username: string, password: string) =>
    JSON.stringify({
      host: url.hostname,
      port: Number(url.port || 5432),
      username,
      password,
      database: url.pathname.slice(1),
      // The machine's Postgres has no TLS; the cloud's links leave this out and require it.
      tls: false,
    });

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    const url = new URL(database.url as string);
    process.env.LOG_LEVEL = "WARN";
    process.env.SST_RESOURCE_App = JSON.stringify({ name: "slipway", stage: "test" });
    process.env.SST_RESOURCE_Database = linkOf(url, decodeURIComponent(url.username), "");
    for (const service of servicesWithDatabase) {
      const name = `${service.charAt(0).toUpperCase()}${service.slice(1)}Database`;
      process.env[`SST_RESOURCE_${name}`] = linkOf(url, roleOf(service), `pw-${prefix}-${service}`);
    }
    ({ handler } = await import("./lambda.js"));
  });

  afterAll(async () => {
    await database?.drop();
    await dropRoles(servicesWithDatabase.map(roleOf));
  });

  it("gives each service its role and its schema, owned by that role, and can run again", async () => {
    const first = await handler({}, lambdaContext("slipway-migrator"));
    const again = await handler({}, lambdaContext("slipway-migrator"));

    const expected = servicesWithDatabase.map((service) => ({ service, role: roleOf(service) }));
    expect(first.migrated).toEqual(expected);
    expect(again.migrated).toEqual(expected);
    const admin = postgres(database.url as string, { max: 1, onnotice: () => {} });
    try {
      const owners = await admin<{ schema: string; owner: string; journal: string }[]>`
        select nspname as schema, pg_get_userbyid(nspowner) as owner,
          (select pg_get_userbyid(relowner) from pg_class c join pg_namespace j on j.oid = c.relnamespace
           where j.nspname = 'drizzle' and c.relname = '__' || n.nspname || '_migrations') as journal
        from pg_namespace n where nspname = any(${servicesWithDatabase}) order by nspname`;
      expect(owners).toEqual(
        [...servicesWithDatabase].sort().map((schema) => ({
          schema,
          owner: roleOf(schema),
          journal: roleOf(schema),
        })),
      );
    } finally {
      await admin.end({ timeout: 1 });
    }
  });

  it("migrates the other services when one fails, logs each failure and rejects with it", async () => {
    const url = new URL(database.url as string);
    const serviceUrl = (service: string, databaseName = url.pathname.slice(1)) => {
      const own = new URL(url);
      own.username = roleOf(service);
      own.password = `pw-${prefix}-${service}`;
      own.pathname = `/${databaseName}`;
      return own.toString();
    };
    const errors: unknown[] = [];
    const migrated: string[] = [];
    const logger = {
      info: (_: string, fields: { schema: string }) => migrated.push(fields.schema),
      error: (...line: unknown[]) => errors.push(line),
    };
    await expect(
      migrateAll({
        adminUrl: database.url as string,
        serviceUrls: {
          identity: serviceUrl("identity"),
          catalog: serviceUrl("catalog"),
          orders: serviceUrl("orders", `${prefix}_missing`),
          payments: serviceUrl("payments"),
        },
        logger: logger as unknown as Logger,
      }),
    ).rejects.toThrow(/does not exist/);
    expect(errors).toEqual([
      ["service database migration failed", { schema: "orders", error: expect.any(Error) }],
    ]);
    expect(migrated.sort()).toEqual(["catalog", "identity", "payments"]);
  });
});
