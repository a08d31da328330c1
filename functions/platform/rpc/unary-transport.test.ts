// Interop of slipway's unary transport (unary-transport.ts) with connect-node's server and with
// slipway's own Hono mount, in binary and JSON: every call gives what connect-node's transport
// gives (table below), plus the behaviours slipway relies on, checked outright.
import { getEventListeners } from "node:events";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import {
  create,
  createFileRegistry,
  type DescMethodServerStreaming,
  type DescService,
} from "@bufbuild/protobuf";
import {
  FileDescriptorProtoSchema,
  file_google_protobuf_wrappers,
  type StringValue,
  type StringValueSchema,
} from "@bufbuild/protobuf/wkt";
import {
  type Client,
  Code,
  ConnectError,
  type ConnectRouter,
  type ContextValues,
  createClient,
  createContextKey,
  createContextValues,
  type Interceptor,
  type Transport,
} from "@connectrpc/connect";
import { createAsyncIterable } from "@connectrpc/connect/protocol";
import { connectNodeAdapter, createConnectTransport } from "@connectrpc/connect-node";
import { Hono } from "hono";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService, ProductSchema } from "../../gen/catalog/v1/catalog_pb.js";
import { CREDENTIAL_HEADER } from "../auth/internal-credential.js";
import { REQUEST_ID_HEADER, withLogContext } from "../logging/log-context.js";
import { listen } from "../node-server.js";
import { testCredentials } from "../testing/credentials.js";
import { createServiceClient } from "./client.js";
import { mountConnect } from "./serve.js";
import { createUnaryTransport } from "./unary-transport.js";

/** Request headers of the last call each server handled. */
let seen = new Headers();

function routes(router: ConnectRouter) {
  router.service(CatalogService, {
    async getProduct({ id }, context) {
      seen = new Headers(context.requestHeader);
      if (id === "missing") {
        throw new ConnectError("no such product", Code.NotFound, { "x-why": "gone" }, [
          { desc: ProductSchema, value: { id: "detail", name: "why" } },
        ]);
      }
      if (id === "broken") throw new Error("boom");
      if (id === "slow") await sleep(2_000, undefined, { signal: context.signal }).catch(() => {});
      context.responseHeader.set("x-answer", "yes");
      context.responseTrailer.set("x-trailer", "t");
      return {
        product: { id, name: "Kettle", price: { amountMinor: 1999n, currency: "EUR" }, stock: 3 },
      };
    },
    async listProducts({ pageSize, query }) {
      return {
        products: Array.from({ length: pageSize }, (_, i) => ({ id: `p${i}`, name: query })),
      };
    },
  });
}

interface Running {
  url: string;
  close(): Promise<void>;
}

async function listenNode(server: Server): Promise<Running> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

const servers: Record<string, () => Promise<Running>> = {
  "connect-node server": () => listenNode(createServer(connectNodeAdapter({ routes }))),
  "slipway Hono mount": () => {
    const app = new Hono();
    mountConnect(app, routes);
    return listen(app.fetch, { port: 0 });
  },
};

type Make = (baseUrl: string, useBinaryFormat: boolean, interceptors?: Interceptor[]) => Transport;
const fast: Make = (baseUrl, useBinaryFormat, interceptors) =>
  createUnaryTransport({ baseUrl, useBinaryFormat, interceptors, defaultTimeoutMs: 5_000 });
const stock: Make = (baseUrl, useBinaryFormat, interceptors) =>
  createConnectTransport({
    baseUrl,
    httpVersion: "1.1",
    useBinaryFormat,
    interceptors,
    defaultTimeoutMs: 5_000,
  });

type Catalog = Client<typeof CatalogService>;
interface Seen {
  onHeader(header: Headers): void;
  onTrailer(trailer: Headers): void;
}

/** What a caller can observe of a call: the message, or the error's code, message and details. */
async function outcome(transport: Transport, call: (c: Catalog, seen: Seen) => Promise<unknown>) {
  let header: Headers | undefined;
  let trailer: Headers | undefined;
  try {
    const message = await call(createClient(CatalogService, transport), {
      onHeader: (h) => {
        header = h;
      },
      onTrailer: (t) => {
        trailer = t;
      },
    });
    return {
      message,
      answer: header?.get("x-answer"),
      trailer: trailer?.get("x-trailer"),
      trailerAsHeader: header?.has("trailer-x-trailer"),
    };
  } catch (error) {
    expect(error).toBeInstanceOf(ConnectError);
    const e = error as ConnectError;
    return {
      code: Code[e.code],
      message: e.rawMessage,
      why: e.metadata.get("x-why"),
      details: e.findDetails(ProductSchema),
    };
  }
}

const aborted = () => {
  const controller = new AbortController();
  controller.abort();
  return controller.signal;
};
const abortSoon = () => {
  const controller = new AbortController();
  setTimeout(() => controller.abort(), 100);
  return controller.signal;
};

const calls: [string, (c: Catalog, seen: Seen) => Promise<unknown>, Record<string, unknown>][] = [
  ["a message, headers, trailers", (c, s) => c.getProduct({ id: "p1" }, s), { answer: "yes" }],
  ["a list", (c) => c.listProducts({ pageSize: 40, query: "é" }), {}],
  [
    "an error with metadata and details",
    (c) => c.getProduct({ id: "missing" }),
    { code: "NotFound", why: "gone" },
  ],
  ["an error thrown as Error", (c) => c.getProduct({ id: "broken" }), { code: "Internal" }],
  [
    "a deadline",
    (c) => c.getProduct({ id: "slow" }, { timeoutMs: 150 }),
    { code: "DeadlineExceeded" },
  ],
  [
    "the caller's abort",
    (c) => c.getProduct({ id: "slow" }, { signal: abortSoon() }),
    { code: "Canceled" },
  ],
  [
    "an aborted signal",
    (c) => c.getProduct({ id: "p1" }, { signal: aborted() }),
    { code: "Canceled" },
  ],
];

describe.each(Object.keys(servers))("against the %s", (name) => {
  let server: Running;
  beforeAll(async () => {
    server = await (servers[name] as () => Promise<Running>)();
  });
  afterAll(() => server.close());

  describe.each([
    ["binary", true],
    ["JSON", false],
  ])("in %s", (_format, binary) => {
    it.each(calls)("gives what connect-node's transport gives: %s", async (_, call, expected) => {
      const mine = await outcome(fast(server.url, binary), call);
      const theirs = await outcome(stock(server.url, binary), call);
      expect(mine).toEqual(theirs);
      expect(mine).toMatchObject(expected);
    });

    it("answers with headers and trailers apart, and the error's details", async () => {
      const success = await outcome(fast(server.url, binary), (c, s) =>
        c.getProduct({ id: "p1" }, s),
      );
      expect(success).toMatchObject({
        message: { product: { id: "p1", price: { amountMinor: 1999n } } },
        answer: "yes",
        trailer: "t",
        trailerAsHeader: false,
      });
      const failure = await outcome(fast(server.url, binary), (c) =>
        c.getProduct({ id: "missing" }),
      );
      expect(failure).toMatchObject({ message: "no such product", why: "gone" });
      expect(failure.details).toMatchObject([{ id: "detail", name: "why" }]);
    });

    it("sends the deadline and the protocol version; the server gives up with it", async () => {
      const catalog = createClient(CatalogService, fast(server.url, binary));
      const started = performance.now();
      await expect(catalog.getProduct({ id: "slow" }, { timeoutMs: 150 })).rejects.toMatchObject({
        code: Code.DeadlineExceeded,
      });
      expect(performance.now() - started).toBeLessThan(1_000);
      expect(seen.get("connect-timeout-ms")).toBe("150");
      expect(seen.get("connect-protocol-version")).toBe("1");
      expect(seen.get("content-type")).toBe(binary ? "application/proto" : "application/json");
    });
  });

  it("runs interceptors in order, each able to add headers and see the answer", async () => {
    const log: string[] = [];
    const key = createContextKey("none");
    const tag =
      (label: string): Interceptor =>
      (next) =>
      async (req) => {
        log.push(`${label}:${req.contextValues.get(key)}:${req.signal.aborted}`);
        req.header.append("x-order", label);
        const res = await next(req);
        log.push(`${label}:${res.header.get("x-answer")}`);
        return res;
      };
    const catalog = createClient(CatalogService, fast(server.url, true, [tag("a"), tag("b")]));
    const contextValues: ContextValues = createContextValues().set(key, "given");
    await catalog.getProduct({ id: "p1" }, { contextValues });
    expect(log).toEqual(["a:given:false", "b:given:false", "b:yes", "a:yes"]);
    expect(seen.get("x-order")).toBe("a, b");
  });

  it("aborts the signal interceptors see when the call ends, as connect-node does", async () => {
    let signal: AbortSignal | undefined;
    const keep: Interceptor = (next) => (req) => {
      signal = req.signal;
      return next({ ...req });
    };
    const catalog = createClient(CatalogService, fast(server.url, true, [keep]));
    await catalog.getProduct({ id: "p1" });
    expect(signal?.aborted).toBe(true);
    await expect(catalog.getProduct({ id: "slow" }, { timeoutMs: 100 })).rejects.toMatchObject({
      code: Code.DeadlineExceeded,
    });
    expect(signal?.reason).toMatchObject({ code: Code.DeadlineExceeded });
  });

  it("carries slipway's own interceptors through createServiceClient", async () => {
    const catalog = createServiceClient(CatalogService, {
      baseUrl: server.url,
      timeoutMs: 2_000,
      fastUnary: true,
      interceptors: [testCredentials("catalog")],
    });
    await withLogContext({ requestId: "req-1" }, () => catalog.getProduct({ id: "p1" }));
    expect(seen.get(REQUEST_ID_HEADER)).toBe("req-1");
    expect(seen.get(CREDENTIAL_HEADER)).toMatch(/^ey/);
    expect(seen.get("connect-timeout-ms")).toBe("2000");
  });

  it("sends no deadline for a timeout of 0, as connect-node does", async () => {
    const catalog = createClient(CatalogService, fast(server.url, true));
    await catalog.getProduct({ id: "p1" }, { timeoutMs: 0 });
    expect(seen.has("connect-timeout-ms")).toBe(false);
  });

  it("leaves no listener on a signal the caller passes to many calls", async () => {
    const controller = new AbortController();
    const catalog = createClient(CatalogService, fast(server.url, true));
    await Promise.all(
      Array.from({ length: 8 }, () =>
        catalog.getProduct({ id: "p1" }, { signal: controller.signal }),
      ),
    );
    await expect(
      catalog.getProduct({ id: "missing" }, { signal: controller.signal }),
    ).rejects.toThrow();
    expect(getEventListeners(controller.signal, "abort")).toHaveLength(0);
  });

  it("reports what an interceptor throws as connect-node does", async () => {
    const refuse: Interceptor = () => async () => {
      throw new Error("refused");
    };
    const call = (c: Catalog) => c.getProduct({ id: "p1" });
    const mine = await outcome(fast(server.url, true, [refuse]), call);
    expect(mine).toEqual(await outcome(stock(server.url, true, [refuse]), call));
    expect(mine).toMatchObject({ code: "Unknown", message: "refused" });
  });

  it("honours a signal an interceptor passes on in place of the call's", async () => {
    const own: Interceptor = (next) => (req) => next({ ...req, signal: abortSoon() });
    const call = (c: Catalog) => c.getProduct({ id: "slow" });
    const mine = await outcome(fast(server.url, true, [own]), call);
    expect(mine).toEqual(await outcome(stock(server.url, true, [own]), call));
    expect(mine).toMatchObject({ code: "Canceled" });
  });

  it("sends the call where an interceptor points it", async () => {
    const paths: string[] = [];
    const other = await listenNode(
      createServer((req, res) => {
        paths.push(req.url ?? "");
        req.resume();
        res.writeHead(503).end();
      }),
    );
    try {
      const elsewhere: Interceptor = (next) => (req) =>
        next({ ...req, url: `${req.url.replace(server.url, other.url)}?v=1` });
      const catalog = createClient(CatalogService, fast(server.url, true, [elsewhere]));
      await expect(catalog.getProduct({ id: "p1" })).rejects.toMatchObject({
        code: Code.Unavailable,
        rawMessage: "HTTP 503",
      });
      expect(paths).toEqual(["/slipway.catalog.v1.CatalogService/GetProduct?v=1"]);
    } finally {
      await other.close();
    }
  });

  it("fails over readMaxBytes as connect-node does", async () => {
    const call = (c: Catalog) => c.listProducts({ pageSize: 100, query: "x" });
    const limits = { baseUrl: server.url, readMaxBytes: 64 };
    const mine = await outcome(createUnaryTransport(limits), call);
    const theirs = await outcome(createConnectTransport({ ...limits, httpVersion: "1.1" }), call);
    expect(mine).toEqual(theirs);
    expect(mine).toMatchObject({ code: "ResourceExhausted" });
  });
});

// slipway's protos have no streaming method; one made up here checks the hand-over.
const EchoService = createFileRegistry(
  create(FileDescriptorProtoSchema, {
    name: "echo.proto",
    package: "test.v1",
    syntax: "proto3",
    dependency: ["google/protobuf/wrappers.proto"],
    service: [
      {
        name: "EchoService",
        method: [
          {
            name: "Repeat",
            inputType: ".google.protobuf.StringValue",
            outputType: ".google.protobuf.StringValue",
            serverStreaming: true,
          },
        ],
      },
    ],
  }),
  () => file_google_protobuf_wrappers,
).getService("test.v1.EchoService") as DescService;

describe("a streaming method", () => {
  it("goes through connect-node's transport", async () => {
    const server = await listenNode(
      createServer(
        connectNodeAdapter({
          routes: (router) =>
            router.service(EchoService, {
              async *repeat(req: StringValue) {
                yield { value: req.value };
                yield { value: `${req.value} again` };
              },
            } as never),
        }),
      ),
    );
    try {
      const log: string[] = [];
      const tag: Interceptor = (next) => (req) => {
        log.push(req.stream ? "stream" : "unary");
        return next(req);
      };
      const transport = createUnaryTransport({ baseUrl: server.url, interceptors: [tag] });
      const method = EchoService.methods[0] as DescMethodServerStreaming<
        typeof StringValueSchema,
        typeof StringValueSchema
      >;
      const res = await transport.stream(
        method,
        undefined,
        2_000,
        undefined,
        createAsyncIterable([{ value: "hi" }]),
      );
      const values: unknown[] = [];
      for await (const message of res.message) values.push(message.value);
      expect(values).toEqual(["hi", "hi again"]);
      expect(log).toEqual(["stream"]);
    } finally {
      await server.close();
    }
  });
});

describe("without a Connect server", () => {
  let raw: Running;
  beforeAll(async () => {
    // Answers as proxies and broken servers do, as the request's x-status asks.
    raw = await listenNode(
      createServer((req, res) => {
        const [status, type, body] = RAW[String(req.headers["x-status"])] ?? [500, "", ""];
        req.resume();
        res.writeHead(status, type ? { "content-type": type } : {});
        res.end(body);
      }),
    );
  });
  afterAll(() => raw.close());

  const RAW: Record<string, [number, string, string]> = {
    "503": [503, "text/plain", "overloaded"],
    "404": [404, "", ""],
    "429": [429, "text/html", "<p>slow down</p>"],
    "401": [401, "application/json", "not json"],
    "502": [502, "application/json", '{"message":"upstream"}'],
    "500": [500, "application/json", '{"code":"unavailable","message":"later"}'],
    "200-html": [200, "text/html", "<p>hi</p>"],
    "200-garbage": [200, "application/proto", "\u00ff\u00ff\u00ff"],
  };

  it.each([
    ["503", "Unavailable"],
    ["404", "Unimplemented"],
    ["429", "Unavailable"],
    ["401", "Unauthenticated"],
    ["502", "Unavailable"],
    ["500", "Unavailable"],
    ["200-html", "Unknown"],
    ["200-garbage", "Internal"],
  ])("maps an HTTP %s answer as connect-node does: %s", async (status, code) => {
    const call = (c: Catalog) => c.getProduct({ id: "p1" }, { headers: { "x-status": status } });
    const mine = await outcome(fast(raw.url, true), call);
    expect(mine).toEqual(await outcome(stock(raw.url, true), call));
    expect(mine).toMatchObject({ code });
  });

  it("reports a port nobody listens on as Unavailable", async () => {
    const closed = await listenNode(createServer());
    await closed.close();
    const call = (c: Catalog) => c.getProduct({ id: "p1" });
    const mine = await outcome(fast(closed.url, true), call);
    expect(mine).toEqual(await outcome(stock(closed.url, true), call));
    expect(mine).toMatchObject({ code: "Unavailable" });
  });
});
