// Server capacity of one Connect unary route in Hono, stock `createFetchHandler` against the fast
// bridge: a tiny app (GetProduct answering a canned product) per mode in its own process, driven
// by autocannon with one binary request body prepared once, modes interleaved round by round.
// A measurement, not a test:
//
//   node --import tsx functions/platform/rpc/unary-server/capacity.ts [--rounds 3] [--seconds 10]
//     [--connections 50] [--profile-dir DIR]
//
// With --profile-dir every server runs under `node --cpu-prof`; summarise a profile with
// `npx tsx bench/cpu-profile.ts DIR/<file>.cpuprofile`.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { createRequire } from "node:module";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import { CatalogService, GetProductRequestSchema } from "../../../gen/catalog/v1/catalog_pb.js";
import { mountConnect } from "../serve.js";

type Mode = "stock" | "fast";
const PATH = "/slipway.catalog.v1.CatalogService/GetProduct";
const PRODUCT_ID = "018f4e9a-7c1d-7000-8000-000000000001";

function createTinyApp(mode: Mode): Hono {
  const app = new Hono();
  mountConnect(
    app,
    (router) =>
      router.service(CatalogService, {
        getProduct: (req) => ({
          product: {
            id: req.id,
            sku: "SKU-1",
            name: "Canned product",
            description: "Always the same",
            price: { amountMinor: 1999n, currency: "EUR" },
          },
        }),
      }),
    { fastUnary: mode === "fast" },
  );
  return app;
}

async function runServer(mode: Mode): Promise<void> {
  const server = serve({ fetch: createTinyApp(mode).fetch, port: 0 }, (info) => {
    process.stdout.write(`${info.port}\n`);
  });
  process.on("SIGTERM", () => server.close(() => process.exit(0)));
}

interface AutocannonResult {
  requests: { average: number };
  latency: { p99: number };
  errors: number;
  non2xx: number;
}
type Autocannon = (options: {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Buffer;
  connections: number;
  duration: number;
}) => PromiseLike<AutocannonResult>;
const autocannon = createRequire(import.meta.url)("autocannon") as Autocannon;

async function startServer(mode: Mode, profileDir?: string): Promise<[ChildProcess, number]> {
  const flags = profileDir ? ["--cpu-prof", `--cpu-prof-dir=${profileDir}`] : [];
  const child = spawn(
    process.execPath,
    [...flags, "--import", "tsx", fileURLToPath(import.meta.url), "--serve", mode],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const [chunk] = (await once(child.stdout as NodeJS.ReadableStream, "data")) as [Buffer];
  return [child, Number(chunk.toString().trim())];
}

async function measure(): Promise<void> {
  const { values } = parseArgs({
    options: {
      rounds: { type: "string", default: "3" },
      seconds: { type: "string", default: "10" },
      connections: { type: "string", default: "50" },
      "profile-dir": { type: "string" },
    },
  });
  const body = Buffer.from(
    toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: PRODUCT_ID })),
  );
  const results: Record<Mode, number[]> = { stock: [], fast: [] };
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const mode of ["stock", "fast"] as const) {
      const [child, port] = await startServer(mode, values["profile-dir"]);
      const url = `http://127.0.0.1:${port}${PATH}`;
      const headers = { "content-type": "application/proto", "connect-protocol-version": "1" };
      // A short warm-up so the JIT has settled before the counted run.
      await autocannon({ url, method: "POST", headers, body, connections: 10, duration: 2 });
      const result = await autocannon({
        url,
        method: "POST",
        headers,
        body,
        connections: Number(values.connections),
        duration: Number(values.seconds),
      });
      child.kill("SIGTERM");
      await once(child, "exit");
      results[mode].push(result.requests.average);
      console.log(
        `round ${round} ${mode.padEnd(5)} ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}`,
      );
    }
  }
  for (const mode of ["stock", "fast"] as const) {
    const sorted = [...results[mode]].sort((a, b) => a - b);
    console.log(`${mode}: median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} req/s`);
  }
}

const serveIndex = process.argv.indexOf("--serve");
if (serveIndex >= 0) await runServer(process.argv[serveIndex + 1] as Mode);
else await measure();
