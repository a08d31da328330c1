// Command-line flags of `npm run bench`.

import { parseArgs } from "node:util";

export const transportNames = ["embedded", "rabbitmq", "sns-sqs"] as const;
export type TransportName = (typeof transportNames)[number];

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
}

export const usage = `Usage: npm run bench -- [--smoke] [--rounds N] [--duration S] [--warmup S] [--connections N]
                        [--events N] [--event-concurrency N] [--event-rate R]
                        [--transports a,b]

  --smoke                a few seconds, for CI: 1 round of 2 s after a 1 s warm-up, 100 events per
                         transport (writes results/smoke.*)
  --rounds N             measured rounds per scenario, interleaved A B A B ... (default 3)
  --duration S           seconds per round (default 10)
  --warmup S             seconds of warm-up per scenario before the first round (default 3)
  --connections N        concurrent connections, the bound on load (default 50)
  --events N             product changes (= events) per transport in the throughput phase, closed
                         loop (default 2000); the paced latency phase sends a fifth as many
  --event-concurrency N  product changes in flight at once in the throughput phase (default 16)
  --event-rate R         product changes per second in the latency phase, open loop (default 50)
  --transports a,b       bus transports to measure (default ${transportNames.join(",")})`;

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
      help: { type: "boolean", short: "h", default: false },
    },
  });
  if (values.help) return "help";
  const smoke = values.smoke === true;
  return {
    smoke,
    rounds: positiveInt("rounds", values.rounds, smoke ? 1 : 3),
    durationSeconds: positiveInt("duration", values.duration, smoke ? 2 : 10),
    warmupSeconds: positiveInt("warmup", values.warmup, smoke ? 1 : 3),
    connections: positiveInt("connections", values.connections, 50),
    events: positiveInt("events", values.events, smoke ? 100 : 2000),
    eventConcurrency: positiveInt("event-concurrency", values["event-concurrency"], 16),
    eventRate: positiveInt("event-rate", values["event-rate"], 50),
    transports: parseTransports(values.transports),
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

function parseTransports(raw: string | undefined): TransportName[] {
  if (raw === undefined) return [...transportNames];
  const names = raw.split(",").map((name) => name.trim());
  const unknown = names.filter((name) => !(transportNames as readonly string[]).includes(name));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(
      `--transports takes a comma-separated list of ${transportNames.join(", ")}, got "${raw}"`,
    );
  }
  return [...new Set(names as TransportName[])];
}
