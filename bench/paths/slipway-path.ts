// Starts slipway's real path on a seeded database: the catalog (slipway-catalog.ts), then the
// gateway calling it (slipway-gateway.ts), each a process of its own with one random internal
// secret, as deployed: no OTLP endpoint, so no tracing SDK, whatever the shell sets.
//
//   const { gateway } = await startSlipwayPath(databaseUrl, (options) => startServer(options));

import { randomBytes } from "node:crypto";
import type { RunningServer, ServerOptions } from "./server-process.js";

export type Tier = "front" | "service";

export async function startSlipwayPath(
  databaseUrl: string,
  start: (options: ServerOptions, tier: Tier) => Promise<RunningServer>,
  nodeArgs: (server: "catalog" | "gateway") => string[] = () => [],
): Promise<{ catalog: RunningServer; gateway: RunningServer }> {
  const secret = randomBytes(32).toString("base64url");
  const catalog = await start(
    {
      name: "slipway catalog",
      entry: "bench/paths/slipway-catalog.ts",
      env: slipwayEnv({
        DATABASE_URL: databaseUrl,
        BUS: "embedded",
        INTERNAL_TOKEN_SECRET: secret,
      }),
      nodeArgs: nodeArgs("catalog"),
    },
    "service",
  );
  const gateway = await start(
    {
      name: "slipway gateway",
      entry: "bench/paths/slipway-gateway.ts",
      env: slipwayEnv({ CATALOG_URL: catalog.url, INTERNAL_TOKEN_SECRET: secret }),
      nodeArgs: nodeArgs("gateway"),
    },
    "front",
  );
  return { catalog, gateway };
}

function slipwayEnv(env: Record<string, string>): Record<string, string | undefined> {
  const unset = Object.keys(process.env).filter(
    (name) =>
      name.startsWith("OTEL_") ||
      ["TRACES", "TOKEN_ISSUER", "IDENTITY_URL", "ORDERS_URL", "PAYMENTS_URL"].includes(name),
  );
  return {
    ...Object.fromEntries(unset.map((name) => [name, undefined])),
    LOG_LEVEL: "WARN",
    // The embedded database's place, unused with DATABASE_URL.
    DATA_DIR: "memory://",
    ...env,
  };
}
