// Command-line flags of `npm run bench`.

import { parseArgs } from "node:util";

export const transportNames = ["embedded", "rabbitmq", "sns-sqs"] as const;
export type TransportName = (typeof transportNames)[number];
export const setupNames = ["embedded", "postgres-rabbitmq"] as const;
export type SetupName = (typeof setupNames)[number];
/** The parts of the bench, run in this order. */
export const sectionNames = [
  "paths",
  "gateway",
  "events",
  "orders",
  "coldstart",
  "startup",
] as const;
export type SectionName = (typeof sectionNames)[number];

export interface BenchOptions {
  smoke: boolean;
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
  /** Product changes (one event each) measured per transport. */
  events: number;
  /** Product changes in flight at once, the bound on the events throughput load. */
  eventConcurrency: number;
  /** Product changes per second offered in the events latency phase. */
  eventRate: number;
  transports: TransportName[];
  /** Seconds of each measured orders phase (latency, throughput) per setup. */
  orderSeconds: number;
  /** Orders in flight (placed, not yet CONFIRMED) at once in the orders throughput phase. */
  orderConcurrency: number;
  /** Orders per second offered in the orders latency phase. */
  orderRate: number;
  setups: SetupName[];
  /** Rounds of cold starts (every Lambda entry, then the empty handler, per round). */
  coldStartRounds: number;
  /** `npm start` runs, each from a fresh data directory and again on the same one. */
  startRounds: number;
  sections: SectionName[];
}

export const usage = `Usage: npm run bench -- [--smoke] [--rounds N] [--duration S] [--warmup S] [--connections N]
                        [--events N] [--event-concurrency N] [--event-rate R]
                        [--transports a,b] [--order-seconds S] [--order-concurrency N]
                        [--order-rate R] [--setups a,b] [--cold-start-rounds N]
                        [--start-rounds N] [--sections a,b]

  --smoke                a few seconds, for CI: paths 1 round of 1 s without warm-up, gateway 1
                         round of 1 s after a 1 s warm-up, 100 events per transport, orders
                         phases of 1 s, cold starts of one entry per kind and the migrator
                         once, one fresh and one warm \`npm start\` (writes results/smoke.*)
  --rounds N             measured rounds per scenario (paths: per path and endpoint),
                         interleaved A B A B ... (default 3)
  --duration S           seconds per round (default 10)
  --warmup S             seconds of warm-up per scenario before the first round, and per orders
                         setup (default 3)
  --connections N        concurrent connections, the bound on load (default 50)
  --events N             product changes (= events) per transport in the throughput phase, closed
                         loop (default 2000); the paced latency phase sends a fifth as many
  --event-concurrency N  product changes in flight at once in the throughput phase (default 16)
  --event-rate R         product changes per second in the latency phase, open loop (default 50)
  --transports a,b       bus transports to measure (default ${transportNames.join(",")})
  --order-seconds S      seconds of each orders phase, latency and throughput (default 20)
  --order-concurrency N  orders in flight (placed, not yet CONFIRMED) in the throughput phase,
                         closed loop (default 16)
  --order-rate R         orders per second in the latency phase, open loop (default 5)
  --setups a,b           where the orders run (default ${setupNames.join(",")})
  --cold-start-rounds N  rounds of cold starts, every Lambda entry and the empty handler
                         interleaved (default 5)
  --start-rounds N       \`npm start\` runs, each on a fresh data directory, then again on it
                         (default 3)
  --sections a,b         parts of the bench to run (default ${sectionNames.join(",")}); a run of
                         some writes results/<latest|smoke>-<sections>.*, never the full files`;

export function parseOptions(args: string[]): BenchOptions | "help" {
  const { values } = parseArgs({
    args,
    strict: true,
    options: {
      smoke: { type: "boolean", default: false },
      rounds: { type: "string" },
      duration: { type: "string" },
      warmup: { type: "string" },
      connections: { type: "string" },
      events: { type: "string" },
      "event-concurrency": { type: "string" },
      "event-rate": { type: "string" },
      transports: { type: "string" },
      "order-seconds": { type: "string" },
      "order-concurrency": { type: "string" },
      "order-rate": { type: "string" },
      setups: { type: "string" },
      "cold-start-rounds": { type: "string" },
      "start-rounds": { type: "string" },
      sections: { type: "string" },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const smoke = values.smoke === true;
  return {
    smoke,
    rounds: positiveInt("rounds", values.rounds, smoke ? 1 : 3),
    durationSeconds: positiveInt("duration", values.duration, smoke ? 1 : 10),
    warmupSeconds: positiveInt("warmup", values.warmup, smoke ? 1 : 3),
    connections: positiveInt("connections", values.connections, 50),
    events: positiveInt("events", values.events, smoke ? 100 : 2000),
    eventConcurrency: positiveInt("event-concurrency", values["event-concurrency"], 16),
    eventRate: positiveInt("event-rate", values["event-rate"], 50),
    transports: parseList("transports", values.transports, transportNames),
    orderSeconds: positiveInt("order-seconds", values["order-seconds"], smoke ? 1 : 20),
    orderConcurrency: positiveInt("order-concurrency", values["order-concurrency"], 16),
    orderRate: positiveInt("order-rate", values["order-rate"], 5),
    setups: parseList("setups", values.setups, setupNames),
    coldStartRounds: positiveInt("cold-start-rounds", values["cold-start-rounds"], smoke ? 1 : 5),
    startRounds: positiveInt("start-rounds", values["start-rounds"], smoke ? 1 : 3),
    sections: parseList("sections", values.sections, sectionNames),
  };
}

function positiveInt(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 1) {
    throw new Error(`--${flag} must be a whole number ≥ 1, got "${raw}"`);
  }
  return value;
}

/** A comma-separated subset of `names`, in the order given, each once; all of them by default. */
function parseList<Name extends string>(
  flag: string,
  raw: string | undefined,
  names: readonly Name[],
): Name[] {
  if (raw === undefined) return [...names];
  const given = raw.split(",").map((name) => name.trim());
  const unknown = given.filter((name) => !(names as readonly string[]).includes(name));
  if (unknown.length > 0 || given.length === 0) {
    throw new Error(`--${flag} takes a comma-separated list of ${names.join(", ")}, got "${raw}"`);
  }
  return [...new Set(given as Name[])];
}
