/**
 * Calls per second and client CPU per call of createServiceClient's unary calls, connect-node's
 * transport against unary-transport.ts (`fastUnary`), both against one connect-node server in a
 * child process, 50 callers at once, in interleaved rounds. A measurement, not a test.
 *
 * @example
 * npx tsx bench/rpc/client-transport.ts            # 3 rounds of 5 s each
 * ROUNDS=1 SECONDS=10 ONLY=fast node --cpu-prof --import tsx bench/rpc/client-transport.ts
 */
import { fork } from "node:child_process";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import { CatalogService } from "../../functions/gen/catalog/v1/catalog_pb.js";
import { createServiceClient } from "../../functions/platform/rpc/client.js";

const CALLERS = 50;
const SECONDS = Number(process.env.SECONDS ?? 5);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const ONLY = process.env.ONLY; // "stock" | "fast": one transport only (for a CPU profile)

if (process.argv[2] === "serve") {
  const product = { id: "p1", name: "Kettle", price: { amountMinor: 1999n, currency: "EUR" } };
  const server = createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(CatalogService, {
          getProduct: async ({ id }) => ({ product: { ...product, id } }),
        }),
    }),
  );
  server.listen(0, "127.0.0.1", () => {
    process.send?.((server.address() as AddressInfo).port);
  });
} else {
  const child = fork(process.argv[1] as string, ["serve"], { execArgv: ["--import", "tsx"] });
  const port = await new Promise<number>((resolve) =>
    child.once("message", (p) => resolve(p as number)),
  );
  const baseUrl = `http://127.0.0.1:${port}`;
  const kinds = ONLY ? [ONLY] : ["stock", "fast"];
  const clients = Object.fromEntries(
    kinds.map((kind) => [
      kind,
      createServiceClient(CatalogService, {
        baseUrl,
        timeoutMs: 5_000,
        fastUnary: kind === "fast",
      }),
    ]),
  );
  const results: Record<string, { rps: number[]; cpuUsPerCall: number[] }> = {};
  for (let round = 0; round <= ROUNDS; round++) {
    for (const kind of kinds) {
      const client = clients[kind] as (typeof clients)[string];
      // Round 0 warms both up (JIT, connections) and is not reported.
      const seconds = round === 0 ? 1 : SECONDS;
      const until = performance.now() + seconds * 1000;
      let calls = 0;
      const cpu = process.cpuUsage();
      const started = performance.now();
      await Promise.all(
        Array.from({ length: CALLERS }, async () => {
          while (performance.now() < until) {
            await client.getProduct({ id: "p1" });
            calls++;
          }
        }),
      );
      const elapsed = (performance.now() - started) / 1000;
      const used = process.cpuUsage(cpu);
      if (round === 0) continue;
      const result = results[kind] ?? { rps: [], cpuUsPerCall: [] };
      results[kind] = result;
      result.rps.push(Math.round(calls / elapsed));
      result.cpuUsPerCall.push(Math.round((used.user + used.system) / calls));
      console.log(
        `round ${round} ${kind}: ${result.rps.at(-1)} calls/s, ${result.cpuUsPerCall.at(-1)} µs client CPU per call`,
      );
    }
  }
  for (const [kind, { rps, cpuUsPerCall }] of Object.entries(results)) {
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    console.log(
      `${kind}: median ${median(rps)} calls/s, ${median(cpuUsPerCall)} µs client CPU per call`,
    );
  }
  child.kill();
}
