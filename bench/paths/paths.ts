// The paths section of `npm run bench`: the same two reads — GET /v1/products/{id} and a page of
// 100 products — served by five paths over one fresh Postgres database, each server in a child
// process of its own on 127.0.0.1, measured in interleaved rounds:
//
//   F         one Hono process reading Postgres (postgres.js): the monolith, the baseline
//   E′        Hono gateway → REST + JSON over fetch → Hono service → Postgres
//   E′ agent  as E′, over http.request with a keep-alive http.Agent
//   E         Hono gateway → stock Connect (binary, connect-node, no interceptors) → Hono service
//   slipway   the real gateway → Connect → the real catalog → Postgres, composed as on Lambda
//
// Every path runs catalog's own SQL (seed.ts) and answers the same JSON, checked before load.
//
//   const outcome = await measurePaths(options); // { ok: false, why } without Postgres (not in CI)

import { isDeepStrictEqual } from "node:util";
import { inCi, redactUrl } from "../../functions/platform/testing/environment.js";
import {
  adminUrl,
  createScratchDatabase,
  postgresUnreachable,
} from "../../functions/platform/testing/postgres-server.js";
import { interruptible } from "../interrupt.js";
import type { LoadResult } from "../load.js";
import { type Measurable, measure } from "../measure.js";
import type { BenchOptions } from "../options.js";
import { QUERIES_ENV } from "./queries.js";
import { seedCatalog } from "./seed.js";
import { type RunningServer, type ServerOptions, startServer } from "./server-process.js";
import { startSlipwayPath, type Tier } from "./slipway-path.js";

export const PRODUCTS = 1000;
export const PAGE_SIZE = 100;

export const pathNames = ["F", "E′", "E′ agent", "E", "slipway"] as const;
export type PathName = (typeof pathNames)[number];
export const endpointNames = ["get", "list"] as const;
export type EndpointName = (typeof endpointNames)[number];

export const pathDescriptions: Record<PathName, string> = {
  F: "one Hono process → Postgres (postgres.js): the monolith, the baseline",
  "E′": "Hono gateway → REST + JSON over fetch (undici keep-alive pool) → Hono service → Postgres",
  "E′ agent": "as E′, the hop over http.request with a keep-alive http.Agent",
  E: "Hono gateway → stock Connect (binary proto, connect-node HTTP/1.1, no interceptors) → Hono service → Postgres",
  slipway:
    "the real gateway → Connect → the real catalog → Postgres: every middleware and interceptor (request log context, trace middleware and RPC tracing without an SDK as deployed, internal credentials, validation, errors), composed as the Lambda entries",
};

export interface PathScenario extends Measurable {
  path: PathName;
  endpoint: EndpointName;
}

export interface PathsRun {
  /** Where the data was, for the report. */
  database: string;
  /** The load as run (smoke runs override the options' rounds and seconds). */
  load: Pick<BenchOptions, "connections" | "rounds" | "durationSeconds" | "warmupSeconds">;
  rounds: Map<PathScenario, LoadResult[]>;
}

export type PathsOutcome = { ok: true; run: PathsRun } | { ok: false; why: string };

export function measurePaths(options: BenchOptions): Promise<PathsOutcome> {
  return interruptible("paths", async (signal) => {
    const unreachable = await postgresUnreachable();
    if (unreachable !== undefined) {
      const why = `Postgres at ${redactUrl(adminUrl)} is not reachable (${unreachable})`;
      if (inCi) throw new Error(`${why}; under CI=true it must be running`);
      return { ok: false, why };
    }
    const database = await createScratchDatabase("slipway_bench");
    // Gateways stop before the services they call, so no call in flight fails for want of one.
    const fronts: RunningServer[] = [];
    const services: RunningServer[] = [];
    try {
      const began = performance.now();
      log(`seeding ${PRODUCTS} products with catalog's migrations`);
      const seeded = await seedCatalog(database.url, { products: PRODUCTS, pageSize: PAGE_SIZE });
      const start = async (server: ServerOptions, tier: Tier = "service") => {
        const running = await startServer(server);
        (tier === "front" ? fronts : services).push(running);
        return running;
      };
      const data = { DATABASE_URL: database.url, [QUERIES_ENV]: JSON.stringify(seeded.queries) };
      const startRest = async () => {
        const service = await start({
          name: "service",
          entry: "bench/paths/rest-service.ts",
          env: data,
        });
        const gateway = (upstream: string) =>
          start(
            {
              name: `gateway ${upstream}`,
              entry: "bench/paths/rest-gateway.ts",
              env: { SERVICE_URL: service.url, UPSTREAM: upstream },
            },
            "front",
          );
        const [viaFetch, viaAgent, viaConnect] = await Promise.all([
          gateway("fetch"),
          gateway("agent"),
          gateway("connect"),
        ]);
        return { service, viaFetch, viaAgent, viaConnect };
      };
      const [monolith, rest, slipway] = await Promise.all([
        start({ name: "F", entry: "bench/paths/monolith.ts", env: data }),
        startRest(),
        startSlipwayPath(database.url, start),
      ]);
      const { service, viaFetch, viaAgent, viaConnect } = rest;
      log(`every server is ready after ${((performance.now() - began) / 1000).toFixed(1)} s`);
      const paths: [PathName, RunningServer, RunningServer[]][] = [
        ["F", monolith, [monolith]],
        ["E′", viaFetch, [viaFetch, service]],
        ["E′ agent", viaAgent, [viaAgent, service]],
        ["E", viaConnect, [viaConnect, service]],
        ["slipway", slipway.gateway, [slipway.gateway, slipway.catalog]],
      ];
      const scenarios = endpointNames.flatMap((endpoint) =>
        paths.map(([path, front, behind]) =>
          scenario(path, endpoint, front, behind, seeded.productId, signal),
        ),
      );
      await verify(scenarios, seeded.productId);
      const load = smokeOrNot(options);
      const rounds = await measure(scenarios, load);
      const where = `Postgres ${database.version} (${redactUrl(adminUrl)})`;
      return { ok: true, run: { database: where, load, rounds } };
    } finally {
      await Promise.all(fronts.map((server) => server.stop()));
      await Promise.all(services.map((server) => server.stop()));
      await database.drop();
    }
  });
}

// CI's smoke run checks that every path answers under load, in a few seconds: no warm-up, one
// round of one second each (whatever --duration and --warmup say).
function smokeOrNot(options: BenchOptions): PathsRun["load"] {
  const { connections, rounds, durationSeconds, warmupSeconds } = options;
  return options.smoke
    ? { connections, rounds: 1, durationSeconds: 1, warmupSeconds: 0 }
    : { connections, rounds, durationSeconds, warmupSeconds };
}

function scenario(
  path: PathName,
  endpoint: EndpointName,
  front: RunningServer,
  behind: RunningServer[],
  productId: string,
  signal: AbortSignal,
): PathScenario {
  const url =
    endpoint === "get"
      ? `${front.url}/v1/products/${productId}`
      : `${front.url}/v1/products?limit=${PAGE_SIZE}`;
  return {
    name: `${path} ${endpoint}`,
    path,
    endpoint,
    system: { exitReason: () => behind.map((server) => server.exitReason()).find(Boolean) },
    // The front first, then the service it calls (none for F).
    processes: behind.map((server) => ({ name: server.name, pid: server.pid })),
    request: async () => {
      signal.throwIfAborted();
      return { url, method: "GET" };
    },
  };
}

/** Each path answers 200 and exactly F's JSON, so all of them do the same work. */
async function verify(scenarios: PathScenario[], productId: string): Promise<void> {
  const expected = new Map<EndpointName, unknown>();
  for (const scenario of scenarios) {
    const { url } = await scenario.request();
    const response = await fetch(url);
    const text = await response.text();
    const body = parse(text);
    const reference = expected.get(scenario.endpoint);
    if (reference === undefined) {
      const ok =
        scenario.endpoint === "get"
          ? (body as { id?: unknown } | undefined)?.id === productId
          : (body as { items?: unknown[] } | undefined)?.items?.length === PAGE_SIZE;
      if (response.status !== 200 || !ok) {
        throw new Error(
          `${scenario.name}: expected 200 with the product(s), got ${response.status} ${text.slice(0, 500)}`,
        );
      }
      expected.set(scenario.endpoint, body);
    } else if (response.status !== 200 || !isDeepStrictEqual(body, reference)) {
      throw new Error(
        `${scenario.name}: answered ${response.status}, not F's JSON: ${text.slice(0, 500)}`,
      );
    }
  }
}

function parse(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function log(line: string): void {
  process.stderr.write(`bench: paths: ${line}\n`);
}
