// Command-line flags of `npm run bench`.

import { parseArgs } from "node:util";

export interface BenchOptions {
  smoke: boolean;
  rounds: number;
  durationSeconds: number;
  warmupSeconds: number;
  connections: number;
}

export const usage = `Usage: npm run bench -- [--smoke] [--rounds N] [--duration S] [--warmup S] [--connections N]

  --smoke          a few seconds, for CI: 1 round of 2 s after a 1 s warm-up (writes results/smoke.*)
  --rounds N       measured rounds per scenario, interleaved A B A B ... (default 3)
  --duration S     seconds per round (default 10)
  --warmup S       seconds of warm-up per scenario before the first round (default 3)
  --connections N  concurrent connections, the bound on load (default 50)`;

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
