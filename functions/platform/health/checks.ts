/**
 * The checks of a service's own dependencies: its database (`select 1`) and, when the bus
 * publisher it was given can be probed, its bus.
 *
 * @example
 * const readiness = serviceReadiness({ db: database.db, publisher });
 * mountHealth(app, readiness);
 */
import { type SQL, sql } from "drizzle-orm";
import { DrizzleQueryError } from "drizzle-orm/errors";
import type { BusPublisher } from "../bus/port.js";
import { createReadiness, type Readiness, type ReadinessCheck } from "./readiness.js";

/** What `databaseCheck` needs of a Drizzle database. */
export interface Queryable {
  execute(query: SQL): PromiseLike<unknown>;
}

/**
 * A round trip to the database. A connection the network dropped fails at once (reset); one
 * that went silent is caught by the check's deadline, and the pool's other connections (or a
 * new one) answer the next check.
 */
export const databaseCheck =
  (db: Queryable): ReadinessCheck =>
  async () => {
    try {
      await db.execute(sql`select 1`);
    } catch (error) {
      // "Failed query: select 1" says nothing; the driver's error under it says why.
      throw error instanceof DrizzleQueryError && error.cause ? error.cause : error;
    }
  };

/** The bus adapter's probe (a cheap round trip to the broker or its database). */
export const busCheck =
  (probe: NonNullable<BusPublisher["probe"]>): ReadinessCheck =>
  (signal) =>
    probe(signal);

export interface ServiceDependencies {
  db: Queryable;
  /**
   * The publisher the service was given; checked when it has a `probe` (the buses `openBus`
   * opens do). Test doubles without one leave the bus out of the report.
   */
  publisher?: BusPublisher;
}

export function serviceReadiness({ db, publisher }: ServiceDependencies): Readiness {
  const probe = publisher?.probe?.bind(publisher);
  return createReadiness({
    database: databaseCheck(db),
    ...(probe ? { bus: busCheck(probe) } : {}),
  });
}
