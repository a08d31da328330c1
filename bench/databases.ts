// Fresh Postgres databases for the parts of the bench that run on real Postgres (orders on
// postgres-rabbitmq, the paths): made on the server at TEST_DATABASE_URL, as the tests make
// theirs, and dropped afterwards.
//
//   if ((await postgresUnreachable()) === undefined) {
//     const database = await createDatabase();
//     try { ...database.url... } finally { await database.drop(); }
//   }

import { randomBytes } from "node:crypto";
import postgres from "postgres";

/** The server fresh bench databases are made on, as the tests make theirs. */
export const adminUrl =
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface BenchDatabase {
  url: string;
  /** The server's version, for the report. */
  version: string;
  drop(): Promise<void>;
}

/** Why Postgres cannot be used, or undefined when it can. */
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

export async function createDatabase(): Promise<BenchDatabase> {
  const name = `slipway_bench_${randomBytes(6).toString("hex")}`;
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
