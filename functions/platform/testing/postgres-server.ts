/**
 * The Postgres server tests and benchmarks make their scratch databases on (TEST_DATABASE_URL,
 * default the local server): whether it answers, and a fresh database on it, dropped on demand.
 * No side effects on import; `databases.ts` adds the tests' skip-or-fail policy on top.
 *
 * @example
 * if ((await postgresUnreachable()) === undefined) {
 *   const database = await createScratchDatabase("slipway_bench");
 *   try { ...database.url... } finally { await database.drop(); }
 * }
 */
import { randomBytes } from "node:crypto";
import postgres from "postgres";

export const adminUrl =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface ScratchDatabase {
  url: string;
  /** The server's version, e.g. "15.19", for reports. */
  version: string;
  drop(): Promise<void>;
}

/** Why the server cannot be used, or undefined when it can. */
export async function postgresUnreachable(): Promise<string | undefined> {
  const sql = postgres(adminUrl, { max: 1, connect_timeout: 3, onnotice: () => {} });
  try {
    await sql`select 1`;
    return undefined;
  } catch (error) {
    return (error as Error).message;
  } finally {
    await sql.end({ timeout: 1 });
  }
}

/** A new empty database named `<prefix>_<random>`; `drop()` removes it, connections and all. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const name = `${prefix}_${randomBytes(6).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    await admin.unsafe(`create database ${name}`);
    const [row] = await admin<{ server_version: string }[]>`show server_version`;
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    return {
      url: url.toString(),
      version: row?.server_version.split(" ")[0] ?? "?",
      async drop() {
        try {
          await admin.unsafe(`drop database if exists ${name} with (force)`);
        } finally {
          await admin.end({ timeout: 5 });
        }
      },
    };
  } catch (error) {
    await admin.end({ timeout: 1 });
    throw error;
  }
}

/**
 * Drops login roles a test made: roles belong to the whole server, so they outlive the scratch
 * database they were granted on.
 */
export async function dropRoles(roles: readonly string[]): Promise<void> {
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    for (const role of roles) {
      const [row] = await admin<{ statement: string }[]>`
        select format('drop role if exists %I', ${role}::text) as statement`;
      if (row) await admin.unsafe(row.statement);
    }
  } finally {
    await admin.end({ timeout: 1 });
  }
}
