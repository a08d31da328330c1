// Acceptance: off-the-shelf Connect clients (connect-node in binary, JSON and gRPC-web, and
// `buf curl` over Connect and gRPC-web) all work against a catalog listening on a real port.
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { createConnectTransport, createGrpcWebTransport } from "@connectrpc/connect-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, type Product } from "../gen/catalog/v1/catalog_pb.js";
import { CREDENTIAL_HEADER } from "../platform/auth/internal-credential.js";
import { listen, type RunningServer } from "../platform/node-server.js";
import { testCredential, testCredentials } from "../platform/testing/credentials.js";

import { startTestCatalog, uniqueSku } from "./testing.js";

const REPO_ROOT = fileURLToPath(new URL("../..", import.meta.url));
const UNKNOWN_ID = "01890a5d-ac96-774b-bcce-b302099a8057";

let dataDir: string;
let server: RunningServer;
let closeCatalog: (() => Promise<void>) | undefined;
let drainEvents: () => Promise<void>;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-connect-clients-"));
  const catalog = await startTestCatalog({
    DATABASE_URL: undefined,
    DATA_DIR: dataDir,
  });
  closeCatalog = catalog.stop;
  drainEvents = catalog.drain;
  server = await listen(catalog.app.fetch, { port: 0 });
});

afterAll(async () => {
  await server?.close();
  await closeCatalog?.();
  await rm(dataDir, { recursive: true, force: true });
});

// Stock transports with the one slipway addition: the internal credential every call carries.
const options = (baseUrl: string) => ({
  baseUrl,
  httpVersion: "1.1" as const,
  interceptors: [testCredentials("catalog")],
});

const transports: [string, (baseUrl: string) => Transport][] = [
  [
    "Connect binary",
    (baseUrl) => createConnectTransport({ ...options(baseUrl), useBinaryFormat: true }),
  ],
  [
    "Connect JSON",
    (baseUrl) => createConnectTransport({ ...options(baseUrl), useBinaryFormat: false }),
  ],
  [
    "gRPC-web binary",
    (baseUrl) => createGrpcWebTransport({ ...options(baseUrl), useBinaryFormat: true }),
  ],
];

describe.each(transports)("connect-node client, %s", (_name, makeTransport) => {
  const client = () => createClient(CatalogService, makeTransport(server.url));

  it("creates, gets, lists, updates and adjusts stock", async () => {
    const catalog = client();
    const sku = uniqueSku("CLIENT");
    const { product: created } = await catalog.createProduct({
      sku,
      name: "Whisk",
      description: "Steel",
      price: { amountMinor: 1299n, currency: "EUR" },
      initialStock: 4,
    });
    expect(created).toMatchObject({ sku, name: "Whisk", stock: 4 });
    const id = created?.id ?? "";

    const { product: got } = await catalog.getProduct({ id });
    expect(got).toEqual(created);

    // The listing follows the catalog's events; apply them first.
    await drainEvents();
    const listed: Product[] = [];
    let pageToken = "";
    do {
      const page = await catalog.listProducts({ pageSize: 100, pageToken });
      listed.push(...page.products);
      pageToken = page.nextPageToken;
    } while (pageToken);
    expect(listed.map((product) => product.id)).toContain(id);

    const { product: updated } = await catalog.updateProduct({
      id,
      name: "Balloon whisk",
      price: { amountMinor: 1499n, currency: "EUR" },
    });
    expect(updated).toMatchObject({
      id,
      name: "Balloon whisk",
      description: "Steel",
      price: { amountMinor: 1499n, currency: "EUR" },
      stock: 4,
    });

    const { product: adjusted } = await catalog.adjustStock({ id, delta: -3, reason: "sold" });
    expect(adjusted).toMatchObject({ id, name: "Balloon whisk", stock: 1 });
    expect((await catalog.getProduct({ id })).product?.stock).toBe(1);
  });

  it("is refused without an internal credential", async () => {
    const bare = createConnectTransport({ baseUrl: server.url, httpVersion: "1.1" });
    const error = await createClient(CatalogService, bare)
      .getProduct({ id: UNKNOWN_ID })
      .catch(ConnectError.from);
    expect((error as ConnectError).code).toBe(Code.Unauthenticated);
  });

  it("reports NotFound for an unknown id", async () => {
    const error = await client().getProduct({ id: UNKNOWN_ID }).catch(ConnectError.from);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
    expect((error as ConnectError).rawMessage).toContain(UNKNOWN_ID);
  });

  it("reports FailedPrecondition when stock would go below zero", async () => {
    const catalog = client();
    const { product } = await catalog.createProduct({
      sku: uniqueSku("CLIENT"),
      name: "Sieve",
      price: { amountMinor: 500n, currency: "EUR" },
      initialStock: 1,
    });
    const error = await catalog
      .adjustStock({ id: product?.id ?? "", delta: -2, reason: "sold" })
      .catch(ConnectError.from);
    expect((error as ConnectError).code).toBe(Code.FailedPrecondition);
  });
});

const execFileAsync = promisify(execFile);

interface CurlResult {
  code: number;
  stdout: string;
  stderr: string;
}

async function bufCurl(protocol: string, method: string, data: unknown): Promise<CurlResult> {
  const credential = `${CREDENTIAL_HEADER}: ${await testCredential("catalog")}`;
  const args = ["buf", "curl", "--schema", "proto", "--protocol", protocol, "-H", credential];
  args.push("--data");
  args.push(JSON.stringify(data), `${server.url}/slipway.catalog.v1.CatalogService/${method}`);
  try {
    const { stdout, stderr } = await execFileAsync("npx", args, {
      cwd: REPO_ROOT,
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failure = error as { code?: number; stdout?: string; stderr?: string };
    if (typeof failure.code !== "number") throw error;
    return { code: failure.code, stdout: failure.stdout ?? "", stderr: failure.stderr ?? "" };
  }
}

describe.each(["connect", "grpcweb"])("buf curl --protocol %s", (protocol) => {
  it("creates and gets a product", { timeout: 120_000 }, async () => {
    const sku = uniqueSku(`CURL-${protocol}`);
    const createdRun = await bufCurl(protocol, "CreateProduct", {
      sku,
      name: "Ladle",
      price: { amountMinor: "850", currency: "EUR" },
      initialStock: 2,
    });
    expect(createdRun.stderr).toBe("");
    expect(createdRun.code).toBe(0);
    const created = JSON.parse(createdRun.stdout).product;
    expect(created).toMatchObject({ sku, name: "Ladle", stock: 2 });

    const got = await bufCurl(protocol, "GetProduct", { id: created.id });
    expect(got.code).toBe(0);
    expect(JSON.parse(got.stdout).product).toEqual(created);
    expect(JSON.parse(got.stdout).product.price).toEqual({ amountMinor: "850", currency: "EUR" });
  });

  it("fails with not_found for an unknown id", { timeout: 120_000 }, async () => {
    const result = await bufCurl(protocol, "GetProduct", { id: UNKNOWN_ID });
    expect(result.code).not.toBe(0);
    expect(`${result.stdout}${result.stderr}`).toMatch(/"code":\s*"not_found"/);
  });
});
