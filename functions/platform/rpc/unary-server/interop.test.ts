import { execFile } from "node:child_process";
import { once } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { promisify } from "node:util";
import { Code, ConnectError, createClient, type Transport } from "@connectrpc/connect";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { createConnectTransport as createFetchTransport } from "@connectrpc/connect-web";
import { serve } from "@hono/node-server";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { serverTracing } from "../tracing.js";
import {
  CREDENTIAL_HEADER,
  cannedCredential,
  cannedInterceptors,
  cannedRoutes,
  createCannedCatalogApp,
  GET_PRODUCT,
  ids,
  SERVED_BY,
} from "./testing.js";

// The fast path over real sockets: Hono under @hono/node-server, called by the stock connect-node
// client (chunked bodies), the fetch-based client (bodies with a length) and `buf curl`, and
// compared on the wire with connect-node's own server running the same service.
let fastUrl: string;
let nodeUrl: string;
const servers: Server[] = [];
let credential: string;

beforeAll(async () => {
  credential = await cannedCredential();
  const fast = serve({ fetch: createCannedCatalogApp({ fastUnary: true }).fetch, port: 0 });
  await once(fast, "listening");
  fastUrl = `http://127.0.0.1:${(fast.address() as AddressInfo).port}`;
  const node = createServer(
    connectNodeAdapter({
      routes: cannedRoutes,
      interceptors: [serverTracing, ...cannedInterceptors()],
      readMaxBytes: 4 * 1024 * 1024,
      maxTimeoutMs: 60_000,
      acceptCompression: [],
    }),
  ).listen(0);
  await once(node, "listening");
  nodeUrl = `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
  servers.push(fast as Server, node);
});

afterAll(async () => {
  for (const server of servers) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

const transports: [string, (baseUrl: string) => Transport][] = [
  [
    "connect-node, binary",
    (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: true }),
  ],
  [
    "connect-node, JSON",
    (baseUrl) => createConnectTransport({ baseUrl, httpVersion: "1.1", useBinaryFormat: false }),
  ],
  ["fetch, binary", (baseUrl) => createFetchTransport({ baseUrl, useBinaryFormat: true })],
  ["fetch, JSON", (baseUrl) => createFetchTransport({ baseUrl, useBinaryFormat: false })],
];

async function failure(call: Promise<unknown>): Promise<ConnectError> {
  try {
    await call;
  } catch (error) {
    return ConnectError.from(error);
  }
  throw new Error("the call succeeded");
}

describe.each(transports)("a stock client (%s) against the fast path", (_name, transport) => {
  const client = () => createClient(CatalogService, transport(fastUrl));
  const headers = () => ({ [CREDENTIAL_HEADER]: credential });

  it("gets an answer, its headers and trailers", async () => {
    let header: Headers | undefined;
    let trailer: Headers | undefined;
    const answer = await client().getProduct(
      { id: ids.echo },
      {
        headers: { ...headers(), "x-echo": "hello" },
        onHeader: (h) => {
          header = h;
        },
        onTrailer: (t) => {
          trailer = t;
        },
      },
    );
    expect(answer.product?.price?.amountMinor).toBe(1999n);
    expect(header?.get(SERVED_BY)).toBe("fast");
    expect(header?.get("x-echo")).toBe("hello");
    expect(trailer?.get("x-echo-trailer")).toBe("hello");
  });

  it("gets an error with its details and metadata", async () => {
    const error = await failure(client().getProduct({ id: ids.missing }, { headers: headers() }));
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe("no such product");
    expect(error.metadata.get("x-why")).toBe("canned");
    expect(error.findDetails(BadRequestSchema)).toMatchObject([
      { fieldViolations: [{ field: "id", description: "unknown" }] },
    ]);
  });

  it("is refused without a credential, and on invalid input", async () => {
    await expect(client().getProduct({ id: ids.found })).rejects.toMatchObject({
      code: Code.Unauthenticated,
    });
    const invalid = await failure(client().getProduct({ id: "nope" }, { headers: headers() }));
    expect(invalid.code).toBe(Code.InvalidArgument);
    expect(invalid.findDetails(BadRequestSchema)[0]?.fieldViolations[0]?.field).toBe("id");
  });

  it("runs out of time at its deadline", async () => {
    await expect(
      client().getProduct({ id: ids.slow }, { headers: headers(), timeoutMs: 50 }),
    ).rejects.toMatchObject({ code: Code.DeadlineExceeded });
  });
});

describe("on the wire, the fast path answers as connect-node's server", () => {
  const requests: [string, Record<string, string>, () => BodyInit][] = [
    [
      "binary",
      { "content-type": "application/proto" },
      () => new Uint8Array([0x0a, 0x24, ...new TextEncoder().encode(ids.found)]),
    ],
    ["JSON", { "content-type": "application/json" }, () => JSON.stringify({ id: ids.found })],
    [
      "error details",
      { "content-type": "application/json" },
      () => JSON.stringify({ id: ids.missing }),
    ],
    ["bad JSON", { "content-type": "application/json" }, () => "{"],
    [
      "deadline",
      { "content-type": "application/proto", "connect-timeout-ms": "20" },
      () => new Uint8Array([0x0a, 0x24, ...new TextEncoder().encode(ids.slow)]),
    ],
  ];

  it.each(requests)("%s", async (_name, extra, body) => {
    const call = async (baseUrl: string) => {
      const response = await fetch(`${baseUrl}${GET_PRODUCT}`, {
        method: "POST",
        headers: { "connect-protocol-version": "1", [CREDENTIAL_HEADER]: credential, ...extra },
        body: body(),
      });
      const headers = Object.fromEntries(
        [...response.headers].filter(
          ([name]) => !["date", "connection", "keep-alive", SERVED_BY].includes(name),
        ),
      );
      return { status: response.status, headers, body: await response.text() };
    };
    expect(await call(fastUrl)).toEqual(await call(nodeUrl));
  });
});

describe("buf curl against the fast path", () => {
  const curl = async (...args: string[]) => {
    try {
      const { stdout, stderr } = await promisify(execFile)(
        "npx",
        ["buf", "curl", "--schema", "proto", ...args],
        { timeout: 60_000 },
      );
      return { ok: true, out: stdout, verbose: stderr };
    } catch (error) {
      const { stderr } = error as { stderr: string };
      return { ok: false, out: stderr, verbose: stderr };
    }
  };
  const url = () => `${fastUrl}${GET_PRODUCT}`;
  const header = () => `${CREDENTIAL_HEADER}: ${credential}`;

  it("calls with JSON input and reads the answer", async () => {
    const result = await curl(
      "--protocol",
      "connect",
      "-H",
      header(),
      "-d",
      JSON.stringify({ id: ids.found }),
      "-v",
      url(),
    );
    expect(result.ok).toBe(true);
    expect(result.verbose).toMatch(new RegExp(`${SERVED_BY}: fast`, "i"));
    expect(JSON.parse(result.out)).toMatchObject({
      product: { id: ids.found, price: { amountMinor: "1999", currency: "EUR" } },
    });
  });

  it("reads an error with its details", async () => {
    const result = await curl(
      "--protocol",
      "connect",
      "-H",
      header(),
      "-d",
      JSON.stringify({ id: ids.missing }),
      url(),
    );
    expect(result.ok).toBe(false);
    expect(JSON.parse(result.out)).toMatchObject({
      code: "not_found",
      message: "no such product",
      details: [
        { type: "slipway.rpc.v1.BadRequest", debug: { fieldViolations: [{ field: "id" }] } },
      ],
    });
  });

  it("still reaches the stock handler over gRPC-web", async () => {
    const result = await curl(
      "--protocol",
      "grpcweb",
      "-H",
      header(),
      "-d",
      JSON.stringify({ id: ids.found }),
      url(),
    );
    expect(result.ok).toBe(true);
    expect(JSON.parse(result.out)).toMatchObject({ product: { id: ids.found } });
  });
});
