// Against real Postgres only: the database start:local is pointed at may not exist yet.
import { randomBytes } from "node:crypto";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import postgres from "postgres";
import { afterAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../platform/testing/databases.js";
import { dropRoles, adminUrl as serverUrl } from "../platform/testing/postgres-server.js";
import { prepareServiceRoles } from "./postgres.js";

describe.runIf(databaseKinds.includes("postgres"))("prepareServiceRoles", () => {
  const suffix = randomBytes(4).toString("hex");
  const name = `slipway_test_local_${suffix}`;
  const rolePrefix = `slipway_tl${suffix}`;
  const adminUrl = Object.assign(new URL(serverUrl), { pathname: `/${name}` }).toString();
  const dirs: string[] = [];

  afterAll(async () => {
    const sql = postgres(serverUrl, { max: 1, onnotice: () => {} });
    try {
      await sql.unsafe(`drop database if exists ${name} with (force)`);
      await dropRoles(["catalog", "orders"].map((service) => `${rolePrefix}_${service}`));
    } finally {
      await sql.end({ timeout: 1 });
    }
    for (const dir of dirs) await rm(dir, { recursive: true, force: true });
  });

  it("creates a missing database, a role per service with a password kept in DATA_DIR, and does it again harmlessly", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "slipway-local-pg-"));
    dirs.push(dataDir);
    const options = { services: ["catalog", "orders"] as const, dataDir, rolePrefix };
    const first = await prepareServiceRoles(adminUrl, options);
    expect(first.created).toBe(true);
    const catalog = new URL(first.urls.catalog);
    expect(catalog.username).toBe(`${rolePrefix}_catalog`);
    expect(catalog.pathname).toBe(`/${name}`);
    expect(decodeURIComponent(catalog.password)).toBe(
      (await readFile(join(dataDir, "postgres-catalog-password"), "utf8")).trim(),
    );

    const again = await prepareServiceRoles(adminUrl, options);
    expect(again).toEqual({ created: false, urls: first.urls });
    const sql = postgres(first.urls.orders, { max: 1, onnotice: () => {} });
    try {
      expect(await sql`select current_user as name`).toEqual([{ name: `${rolePrefix}_orders` }]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  });
});
