/**
 * Configuration entries every service with a database shares; spread them into its schema.
 *
 * @example
 * const CatalogConfig = v.object({ ...databaseConfig, PORT_CATALOG: port(3002) });
 */
import * as v from "valibot";

export const databaseConfig = {
  /** Real Postgres when set; otherwise the embedded PGlite database under DATA_DIR. */
  DATABASE_URL: v.optional(
    v.pipe(v.string(), v.regex(/^postgres(ql)?:\/\//, "must be a postgres:// URL")),
  ),
  /** Where the embedded database (and other local state) lives. */
  DATA_DIR: v.optional(v.string(), ".data"),
};

/** Where the embedded database lives under DATA_DIR; every service in a process shares it. */
export const embeddedDataDir = (dataDir: string) =>
  dataDir.startsWith("memory://") ? dataDir : `${dataDir}/pglite`;
