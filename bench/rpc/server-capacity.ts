// Server capacity of one Connect unary route in Hono, stock `createFetchHandler` against the fast
// bridge: a tiny app (GetProduct answering a canned product) per mode in its own process, driven
// by autocannon with one binary request body prepared once, modes interleaved round by round.
// With --floor, a third app answers the same route with canned bytes and no Connect at all: what
// Hono under @hono/node-server costs on its own. A measurement, not a test:
//
//   node --import tsx bench/rpc/server-capacity.ts [--rounds 3] [--seconds 10]
//     [--connections 50] [--floor] [--profile-dir DIR]
//
// With --profile-dir every server runs under `node --cpu-prof`, and each run's profile is
// summarised (bench/cpu-profile.ts) over the counted run only, without start-up and warm-up.
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { readdir, readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { create, toBinary } from "@bufbuild/protobuf";
import { serve } from "@hono/node-server";
import { Hono } from "hono";
import {
  CatalogService,
  GetProductRequestSchema,
  GetProductResponseSchema,
} from "../../functions/gen/catalog/v1/catalog_pb.js";
import { mountConnect } from "../../functions/platform/rpc/serve.js";

type Mode = "stock" | "fast" | "floor";
const PATH = "/slipway.catalog.v1.CatalogService/GetProduct";
const PRODUCT_ID = "018f4e9a-7c1d-7000-8000-000000000001";

const cannedProduct = create(GetProductResponseSchema, {
  product: {
    id: PRODUCT_ID,
    sku: "SKU-1",
    name: "Canned product",
    description: "Always the same",
    price: { amountMinor: 1999n, currency: "EUR" },
  },
});

function createTinyApp(mode: Mode): Hono {
  const app = new Hono();
  if (mode === "floor") {
    const answer = toBinary(GetProductResponseSchema, cannedProduct);
    app.post(PATH, async (c) => {
      await c.req.arrayBuffer();
      return new Response(answer, { headers: { "content-type": "application/proto" } });
    });
    return app;
  }
  mountConnect(
    app,
    (router) =>
      router.service(CatalogService, {
        getProduct: () => cannedProduct,
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
      floor: { type: "boolean", default: false },
      "profile-dir": { type: "string" },
    },
  });
  const modes: Mode[] = values.floor ? ["stock", "fast", "floor"] : ["stock", "fast"];
  const body = Buffer.from(
    toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id: PRODUCT_ID })),
  );
  const results: Record<Mode, number[]> = { stock: [], fast: [], floor: [] };
  for (let round = 1; round <= Number(values.rounds); round++) {
    for (const mode of modes) {
      const [child, port] = await startServer(mode, values["profile-dir"]);
      const url = `http://127.0.0.1:${port}${PATH}`;
      const headers = { "content-type": "application/proto", "connect-protocol-version": "1" };
      // A short warm-up so the JIT has settled before the counted run.
      await autocannon({ url, method: "POST", headers, body, connections: 10, duration: 2 });
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const result = await autocannon({
        url,
        method: "POST",
        headers,
        body,
        connections: Number(values.connections),
        duration: Number(values.seconds),
      });
      const toUs = Number(process.hrtime.bigint() / 1000n);
      child.kill("SIGTERM");
      await once(child, "exit");
      results[mode].push(result.requests.average);
      console.log(
        `round ${round} ${mode.padEnd(5)} ${Math.round(result.requests.average)} req/s, p99 ${result.latency.p99} ms, errors ${result.errors}, non-2xx ${result.non2xx}`,
      );
      const profileDir = values["profile-dir"];
      if (profileDir)
        await printProfile(profileDir, child.pid, `${mode}, round ${round}`, { fromUs, toUs });
    }
  }
  for (const mode of modes) {
    const sorted = [...results[mode]].sort((a, b) => a - b);
    console.log(`${mode}: median ${Math.round(sorted[Math.floor(sorted.length / 2)] ?? 0)} req/s`);
  }
}

/** The main thread's profile of process `pid`, over the window; V8 and hrtime share a clock. */
async function printProfile(
  dir: string,
  pid: number | undefined,
  title: string,
  window: { fromUs: number; toUs: number },
): Promise<void> {
  const { summarizeProfile, renderProfileMarkdown } = await import("../cpu-profile.js");
  const file = (await readdir(dir)).find((name) => name.includes(`.${pid}.0.`));
  if (!file) return;
  const profile = JSON.parse(await readFile(join(dir, file), "utf8"));
  console.log(
    `${renderProfileMarkdown(title, summarizeProfile(profile, window), 15).join("\n")}\n`,
  );
}

const serveIndex = process.argv.indexOf("--serve");
if (serveIndex >= 0) await runServer(process.argv[serveIndex + 1] as Mode);
else await measure();
