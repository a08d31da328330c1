/**
 * Databases for tests: every database test runs against embedded PGlite and against the real
 * Postgres (TEST_DATABASE_URL, default the local server), each test file in a database of its
 * own that is dropped afterwards.
 *
 * Without a reachable Postgres the Postgres variant is skipped with a loud warning on a laptop,
 * and fails under CI=true, so CI can never pass without it.
 *
 * @example
 * describe.each(databaseKinds)("catalog on %s", (kind) => {
 *   let database: TestDatabase;
 *   beforeAll(async () => { database = await createTestDatabase(kind); });
 *   afterAll(() => database.drop());
 * });
 */
import { inCi, redactUrl } from "./environment.js";
import { adminUrl, createScratchDatabase, postgresUnreachable } from "./postgres-server.js";

export type DatabaseKind = "pglite" | "postgres";

export interface TestDatabase {
  kind: DatabaseKind;
  /** postgres:// URL for the Postgres kind; undefined for PGlite. */
  url: string | undefined;
  /** Data directory for PGlite (in memory). */
  dataDir: string;
  drop(): Promise<void>;
}

const unreachable = await postgresUnreachable();

if (unreachable && !inCi) {
  console.warn(
    `\n!!! Postgres at ${redactUrl(adminUrl)} is not reachable (${unreachable}).\n` +
      "!!! Postgres variants of the database tests are SKIPPED. Start Postgres or set\n" +
      "!!! TEST_DATABASE_URL to run them; under CI=true they fail instead.\n",
  );
}

/** The kinds every database test runs against. */
export const databaseKinds: DatabaseKind[] =
  unreachable && !inCi ? ["pglite"] : ["pglite", "postgres"];

export async function createTestDatabase(kind: DatabaseKind): Promise<TestDatabase> {
  if (kind === "pglite") {
    return { kind, url: undefined, dataDir: "memory://", drop: async () => {} };
  }
  if (unreachable) {
    throw new Error(`Postgres at ${redactUrl(adminUrl)} is required under CI: ${unreachable}`);
  }
  const database = await createScratchDatabase("slipway_test");
  return { kind, url: database.url, dataDir: "memory://", drop: database.drop };
}
