// Against real Postgres only: roles, grants and ownership are what is under test.
import { randomBytes } from "node:crypto";
import { fileURLToPath } from "node:url";
import postgres, { type Sql } from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../testing/databases.js";
import { dropRoles } from "../testing/postgres-server.js";
import { openDatabase } from "./database.js";
import { migrateService } from "./migrate.js";
import { provisionServiceRole, type ServiceRole, scramVerifier } from "./provision.js";

const SERVICES = ["catalog", "orders", "payments"] as const;
type Service = (typeof SERVICES)[number];

const migrationsOf = (service: Service) =>
  fileURLToPath(new URL(`../../${service}/db/migrations`, import.meta.url));

/** Applies a service's real migrations as whoever `url` logs in as. */
async function migrate(service: Service, url: string) {
  const database = await openDatabase({ url, dataDir: "unused", schema: {} });
  try {
    await migrateService(database, { service, migrationsFolder: migrationsOf(service) });
  } finally {
    await database.close();
  }
}

const PERMISSION_DENIED = "42501";

describe.runIf(databaseKinds.includes("postgres"))("provisionServiceRole", () => {
  // Roles are shared by the whole cluster: names of this run's own, dropped afterwards.
  const prefix = `slipway_t${randomBytes(4).toString("hex")}`;
  const roleOf = (service: Service) => `${prefix}_${service}`;
  const password = (service: Service) => `${service}-secret-${prefix}`;
  let database: TestDatabase;
  let admin: Sql;
  const sessions: Sql[] = [];
  const roles: Partial<Record<Service, ServiceRole>> = {};

  const as = (service: Service) => {
    const url = roles[service]?.url;
    if (!url) throw new Error(`${service} is not provisioned`);
    const sql = postgres(url, { max: 1, onnotice: () => {} });
    sessions.push(sql);
    return sql;
  };
  const provision = async (service: Service) => {
    roles[service] = await provisionServiceRole(admin, {
      service,
      password: password(service),
      role: roleOf(service),
    });
    return roles[service];
  };

  beforeAll(async () => {
    database = await createTestDatabase("postgres");
    admin = postgres(database.url as string, { max: 1, onnotice: () => {} });
  });

  afterAll(async () => {
    await Promise.all(sessions.map((sql) => sql.end({ timeout: 1 })));
    await admin?.end({ timeout: 1 });
    await database?.drop();
    // The database is gone, and with it everything the roles owned or were granted there.
    await dropRoles(SERVICES.map(roleOf));
  });

  it("makes a login role that creates its own schema through its own migrations", async () => {
    const catalog = await provision("catalog");
    expect(catalog.role).toBe(roleOf("catalog"));
    const url = new URL(catalog.url);
    const adminUrl = new URL(database.url as string);
    expect(url.host).toBe(adminUrl.host);
    expect(url.pathname).toBe(adminUrl.pathname);
    expect(decodeURIComponent(url.username)).toBe(roleOf("catalog"));
    expect(decodeURIComponent(url.password)).toBe(password("catalog"));

    await migrate("catalog", catalog.url);
    const [owner] = await admin`
      select pg_get_userbyid(nspowner) as schema,
        (select pg_get_userbyid(relowner) from pg_class where oid = 'catalog.products'::regclass) as products,
        (select pg_get_userbyid(relowner) from pg_class where oid = 'drizzle.__catalog_migrations'::regclass) as journal
      from pg_namespace where nspname = 'catalog'`;
    expect(owner).toEqual({
      schema: roleOf("catalog"),
      products: roleOf("catalog"),
      journal: roleOf("catalog"),
    });
    const [session] = await as("catalog")`select current_user as name`;
    expect(session?.name).toBe(roleOf("catalog"));
  });

  it("keeps each role out of other services' tables and journals", async () => {
    await provision("orders");
    await migrate("orders", roles.orders?.url as string);
    const catalog = as("catalog");
    const orders = as("orders");
    const denied = { code: PERMISSION_DENIED };

    await expect(catalog`select * from orders.orders`).rejects.toMatchObject(denied);
    await expect(catalog`delete from orders.orders`).rejects.toMatchObject(denied);
    await expect(catalog`select * from drizzle.__orders_migrations`).rejects.toMatchObject(denied);
    await expect(orders`select * from catalog.products`).rejects.toMatchObject(denied);
    await expect(
      orders`insert into catalog.inbox (event_id, consumer) values ('e', 'c')`,
    ).rejects.toMatchObject(denied);
    await expect(orders`drop table drizzle.__catalog_migrations`).rejects.toMatchObject(denied);
    // Each still uses its own.
    await catalog`insert into catalog.inbox (event_id, consumer) values ('e', 'c')`;
    expect(await orders`select count(*)::int as n from orders.orders`).toEqual([{ n: 0 }]);
  });

  it("is harmless to run again: same role, new password, data and migrations kept", async () => {
    const again = await provisionServiceRole(admin, {
      service: "catalog",
      password: `${password("catalog")}-2`,
      role: roleOf("catalog"),
    });
    roles.catalog = again;
    expect(decodeURIComponent(new URL(again.url).password)).toBe(`${password("catalog")}-2`);
    await migrate("catalog", again.url);
    const catalog = as("catalog");
    expect(await catalog`select event_id from catalog.inbox`).toEqual([{ event_id: "e" }]);
    const [rows] = await catalog`select count(*)::int as n from drizzle.__catalog_migrations`;
    expect(rows?.n).toBeGreaterThan(0);
  });

  it("hands a schema made earlier by the administrator to the role, with its tables", async () => {
    // An older run migrated payments as the administrator.
    await migrate("payments", database.url as string);
    await admin`insert into payments.inbox (event_id, consumer) values ('old', 'c')`;
    const payments = await provision("payments");
    const notOwned = await admin`
      select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where (n.nspname = 'payments' or c.relname = '__payments_migrations')
        and pg_get_userbyid(c.relowner) <> ${roleOf("payments")}`;
    expect(notOwned).toEqual([]);
    await migrate("payments", payments.url);
    const sql = as("payments");
    expect(await sql`select event_id from payments.inbox`).toEqual([{ event_id: "old" }]);
    await sql`insert into payments.inbox (event_id, consumer) values ('new', 'c')`;
    await expect(as("catalog")`select * from payments.payments`).rejects.toMatchObject({
      code: PERMISSION_DENIED,
    });
  });

  it("sends the password as the SCRAM-SHA-256 verifier Postgres would make of it", async () => {
    // Postgres hashes a plain password itself; the verifier made here from its salt matches.
    const role = roleOf("orders");
    await admin.unsafe(`alter role ${role} password 'plain-text-check'`);
    const [row] = await admin`select rolpassword from pg_authid where rolname = ${role}`;
    const stored = String(row?.rolpassword);
    const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(stored) ?? [];
    expect(
      scramVerifier("plain-text-check", Buffer.from(salt ?? "", "base64"), Number(iterations)),
    ).toBe(stored);
    await provision("orders");
    const [after] = await admin`select rolpassword from pg_authid where rolname = ${role}`;
    expect(String(after?.rolpassword)).toMatch(/^SCRAM-SHA-256\$4096:/);
  });

  it("refuses names that are not plain identifiers", async () => {
    await expect(
      provisionServiceRole(admin, { service: 'x"; drop table y; --', password: "p" }),
    ).rejects.toThrow(/must be 1-63 of a-z/);
  });
});
