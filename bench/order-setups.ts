// Where the orders bench runs the saga, each setup made fresh and removed afterwards:
// embedded (one PGlite in a temporary directory holding every service's schema and the queue
// table of the embedded bus, as `npm start` runs by default) and postgres-rabbitmq (a new
// database on the Postgres at TEST_DATABASE_URL, dropped afterwards, and a random namespace on
// the RabbitMQ at RABBITMQ_URL, deleted afterwards).
//
// Without Postgres or RabbitMQ the second setup is skipped (the caller says so loudly), except
// under CI=true, where it is an error: CI must never report figures without them.
//
//   const opening = await openSetup("postgres-rabbitmq", dataDir);
//   if (opening.ok) { ...opening.setup.databaseUrl, opening.setup.bus...; await opening.setup.close(); }

import { rabbitUnreachable } from "../functions/platform/bus/rabbitmq/namespace.js";
import { inCi, redactUrl } from "../functions/platform/testing/environment.js";
import {
  adminUrl,
  createScratchDatabase,
  postgresUnreachable,
} from "../functions/platform/testing/postgres-server.js";
import type { SetupName } from "./options.js";
import { benchRabbitUrl, type OpenTransport, openTransport } from "./transports.js";

export interface OpenSetup {
  /** Every service's DATABASE_URL; undefined for the embedded database under DATA_DIR. */
  databaseUrl: string | undefined;
  bus: OpenTransport;
  /** What held the data and carried the events, for the report. */
  detail: string;
  /** Closes the bus and removes what this run made (namespace, database). */
  close(): Promise<void>;
}

export type SetupOpening = { ok: true; setup: OpenSetup } | { ok: false; why: string };

/** Opens `name` for services whose DATA_DIR is `dataDir`. */
export function openSetup(name: SetupName, dataDir: string): Promise<SetupOpening> {
  switch (name) {
    case "embedded":
      return openEmbedded(dataDir);
    case "postgres-rabbitmq":
      return openPostgresRabbit(dataDir);
  }
}

async function openEmbedded(dataDir: string): Promise<SetupOpening> {
  const opening = await openTransport("embedded", dataDir);
  if (!opening.ok) return opening;
  const bus = opening.transport;
  return {
    ok: true,
    setup: {
      databaseUrl: undefined,
      bus,
      detail: `PGlite in a new temporary directory, shared by the three services; ${bus.detail}`,
      close: bus.close,
    },
  };
}

async function openPostgresRabbit(dataDir: string): Promise<SetupOpening> {
  const [database, broker] = await Promise.all([
    postgresUnreachable(),
    rabbitUnreachable(benchRabbitUrl),
  ]);
  const problems = [
    database && `Postgres at ${redactUrl(adminUrl)} is not reachable (${database})`,
    broker && `RabbitMQ at ${redactUrl(benchRabbitUrl)} is not reachable (${broker})`,
  ].filter((problem): problem is string => typeof problem === "string");
  if (problems.length > 0) {
    const why = problems.join("; ");
    if (inCi) throw new Error(`${why}; under CI=true Postgres and RabbitMQ must be running`);
    return { ok: false, why };
  }
  const created = await createScratchDatabase("slipway_bench");
  try {
    const opening = await openTransport("rabbitmq", dataDir);
    if (!opening.ok) {
      await created.drop();
      return opening;
    }
    const bus = opening.transport;
    return {
      ok: true,
      setup: {
        databaseUrl: created.url,
        bus,
        detail:
          `Postgres ${created.version} (${redactUrl(adminUrl)}), a new database shared by the ` +
          `three services, 10 connections each; RabbitMQ ${bus.detail}`,
        async close() {
          try {
            await bus.close();
          } finally {
            await created.drop();
          }
        },
      },
    };
  } catch (error) {
    await created.drop().catch(() => {});
    throw error;
  }
}
