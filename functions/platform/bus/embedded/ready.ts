/**
 * The embedded bus's probe: a query on its message table, through a handle of its own on the
 * bus's database (the shared embedded instance, or one Postgres connection).
 *
 * @example
 * const probe = await openEmbeddedProbe({ url: config.DATABASE_URL, dataDir });
 * await probe.probe();
 */
import { openDatabase } from "../../db/database.js";
import { abortable, type BusProbe } from "../probe.js";
import { messages, schema } from "./schema.js";

export async function openEmbeddedProbe(options: {
  url?: string | undefined;
  dataDir: string;
}): Promise<BusProbe> {
  const database = await openDatabase({ ...options, schema, maxConnections: 1 });
  return {
    async probe(signal) {
      try {
        await abortable(
          Promise.resolve(database.db.select({ id: messages.id }).from(messages).limit(1)),
          signal,
        );
      } catch (error) {
        // Under Drizzle's "Failed query" is the driver's reason.
        const reason = error instanceof Error && error.cause ? error.cause : error;
        throw new Error(
          `embedded bus database: ${reason instanceof Error ? reason.message : String(reason)}`,
        );
      }
    },
    close: database.close,
  };
}
