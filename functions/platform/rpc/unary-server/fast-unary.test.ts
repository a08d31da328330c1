import { create, toBinary } from "@bufbuild/protobuf";
import type { HandlerContext } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { GetProductRequestSchema } from "../../../gen/catalog/v1/catalog_pb.js";
import {
  CREDENTIAL_HEADER,
  cannedCredential,
  createCannedCatalogApp,
  GET_PRODUCT,
  ids,
  SERVED_BY,
  stashedContexts,
} from "./testing.js";

// Differential: every request goes to an app on the stock path and to one on the fast path,
// both with slipway's interceptors; the answers must match in status, headers and body bytes.
const READ_MAX_BYTES = 256;
const stock = createCannedCatalogApp({ fastUnary: false, readMaxBytes: READ_MAX_BYTES });
const fast = createCannedCatalogApp({ fastUnary: true, readMaxBytes: READ_MAX_BYTES });
const credential = await cannedCredential();

const binary = (id: string) =>
  toBinary(GetProductRequestSchema, create(GetProductRequestSchema, { id }));
const proto = { "content-type": "application/proto", "connect-protocol-version": "1" };
const json = { "content-type": "application/json", "connect-protocol-version": "1" };

interface Case {
  name: string;
  /**
   * Which path of the fast app runs the implementation: "fast", "stock" (a request the fast
   * path hands on), or "none" (answered before the implementation runs).
   */
  via: "fast" | "stock" | "none";
  method?: string;
  path?: string;
  headers: Record<string, string>;
  /** A function, so each app gets a fresh body (a stream is read once). */
  body?: () => BodyInit;
  authenticated?: boolean;
}

const chunked =
  (...chunks: Uint8Array[]) =>
  () =>
    new ReadableStream<Uint8Array>({
      start(controller) {
        for (const chunk of chunks) controller.enqueue(chunk);
        controller.close();
      },
    });

const cases: Case[] = [
  { name: "binary success", via: "fast", headers: proto, body: () => binary(ids.found) },
  {
    name: "JSON success",
    via: "fast",
    headers: json,
    body: () => JSON.stringify({ id: ids.found }),
  },
  {
    name: "JSON with charset",
    via: "fast",
    headers: { ...json, "content-type": "application/json; charset=utf-8" },
    body: () => JSON.stringify({ id: ids.found }),
  },
  {
    name: "upper-case content type",
    via: "fast",
    headers: { ...proto, "content-type": "Application/Proto" },
    body: () => binary(ids.found),
  },
  {
    name: "binary with unknown fields",
    via: "fast",
    headers: proto,
    body: () => new Uint8Array([...binary(ids.found), 0x78, 0x2a, 0x82, 0x01, 0x01, 0x41]),
  },
  {
    name: "JSON with unknown fields",
    via: "fast",
    headers: json,
    body: () => JSON.stringify({ id: ids.found, colour: "red" }),
  },
  {
    name: "chunked binary body",
    via: "fast",
    headers: proto,
    body: chunked(binary(ids.found).slice(0, 5), binary(ids.found).slice(5)),
  },
  {
    name: "missing connect-protocol-version",
    via: "fast",
    headers: { "content-type": "application/proto" },
    body: () => binary(ids.found),
  },
  {
    name: "invalid connect-protocol-version",
    via: "fast",
    headers: { ...proto, "connect-protocol-version": "2" },
    body: () => binary(ids.found),
  },
  {
    name: "content-encoding identity",
    via: "fast",
    headers: { ...proto, "content-encoding": "identity", "accept-encoding": "gzip" },
    body: () => binary(ids.found),
  },
  { name: "empty body", via: "none", headers: proto, body: () => new Uint8Array() },
  {
    name: "truncated protobuf",
    via: "none",
    headers: proto,
    body: () => new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff]),
  },
  {
    name: "string field not UTF-8",
    via: "none",
    headers: proto,
    body: () => new Uint8Array([0x0a, 0x02, 0xff, 0xfe]),
  },
  { name: "malformed JSON", via: "none", headers: json, body: () => "{nope" },
  {
    name: "JSON of the wrong shape",
    via: "none",
    headers: json,
    body: () => JSON.stringify({ id: 42 }),
  },
  {
    name: "oversized body with content-length",
    via: "none",
    headers: proto,
    body: () => new Uint8Array(READ_MAX_BYTES + 1),
  },
  {
    name: "oversized chunked body",
    via: "none",
    headers: proto,
    body: chunked(new Uint8Array(200), new Uint8Array(200)),
  },
  {
    name: "content-length above the body's",
    via: "none",
    headers: { ...proto, "content-length": "100" },
    body: () => binary(ids.found),
  },
  {
    name: "content-length below the body's",
    via: "none",
    headers: { ...proto, "content-length": "5" },
    body: () => binary(ids.found),
  },
  {
    name: "content-length not a number",
    via: "fast",
    headers: { ...proto, "content-length": "many" },
    body: () => binary(ids.found),
  },
  {
    name: "content-length beyond safe integers",
    via: "fast",
    headers: { ...proto, "content-length": "99999999999999999999" },
    body: () => binary(ids.found),
  },
  {
    name: "error with details and metadata",
    via: "fast",
    headers: proto,
    body: () => binary(ids.missing),
  },
  {
    name: "error with details, JSON",
    via: "fast",
    headers: json,
    body: () => JSON.stringify({ id: ids.missing }),
  },
  {
    name: "validation failure",
    via: "none",
    headers: proto,
    body: () => binary("not-a-uuid"),
  },
  {
    name: "no credential",
    via: "none",
    headers: proto,
    body: () => binary(ids.found),
    authenticated: false,
  },
  {
    name: "deadline exceeded",
    via: "fast",
    headers: { ...proto, "connect-timeout-ms": "30" },
    body: () => binary(ids.slow),
  },
  {
    name: "deadline passed before the signal is first read",
    via: "fast",
    headers: { ...proto, "connect-timeout-ms": "10" },
    body: () => binary(ids.lateReader),
  },
  {
    name: "signal read in time",
    via: "fast",
    headers: { ...proto, "connect-timeout-ms": "10000" },
    body: () => binary(ids.lateReader),
  },
  {
    name: "deadline met",
    via: "fast",
    headers: { ...proto, "connect-timeout-ms": "10000" },
    body: () => binary(ids.found),
  },
  {
    name: "invalid timeout",
    via: "none",
    headers: { ...proto, "connect-timeout-ms": "soon" },
    body: () => binary(ids.found),
  },
  {
    name: "timeout above the maximum",
    via: "none",
    headers: { ...proto, "connect-timeout-ms": "600000" },
    body: () => binary(ids.found),
  },
  {
    name: "header and trailer echo",
    via: "fast",
    headers: { ...proto, "x-echo": "hello" },
    body: () => binary(ids.echo),
  },
  { name: "crash", via: "fast", headers: proto, body: () => binary(ids.crash) },
  {
    name: "internal error that reads like a bad body",
    via: "none",
    headers: proto,
    body: () => binary(ids.parseLike),
  },
  // Not for the fast path: both apps answer through the stock handler.
  {
    name: "wrong content type",
    via: "none",
    headers: { ...proto, "content-type": "text/plain" },
    body: () => binary(ids.found),
  },
  {
    name: "no content type",
    via: "none",
    headers: { "connect-protocol-version": "1" },
    body: () => binary(ids.found),
  },
  {
    name: "compressed body",
    via: "none",
    headers: { ...proto, "content-encoding": "gzip" },
    body: () => binary(ids.found),
  },
  {
    name: "Connect streaming content type",
    via: "none",
    headers: { ...proto, "content-type": "application/connect+proto" },
    body: () => binary(ids.found),
  },
  {
    name: "gRPC-web",
    via: "stock",
    headers: { "content-type": "application/grpc-web+proto" },
    body: () => new Uint8Array([0, 0, 0, 0, binary(ids.found).length, ...binary(ids.found)]),
  },
  {
    name: "Connect GET",
    via: "stock",
    method: "GET",
    path: `${GET_PRODUCT}?connect=v1&encoding=json&message=${encodeURIComponent(JSON.stringify({ id: ids.found }))}`,
    headers: {},
  },
  {
    name: "unimplemented method",
    via: "none",
    path: "/slipway.catalog.v1.CatalogService/CreateProduct",
    headers: proto,
    body: () => new Uint8Array(),
  },
];

async function send(app: typeof stock, c: Case): Promise<Response> {
  const method = c.method ?? "POST";
  const headers = new Headers(c.headers);
  if (c.authenticated !== false) headers.set(CREDENTIAL_HEADER, credential);
  const body = c.body?.();
  return app.request(c.path ?? GET_PRODUCT, {
    method,
    headers,
    body,
    ...(body instanceof ReadableStream ? { duplex: "half" } : {}),
  } as RequestInit);
}

interface Answer {
  status: number;
  headers: [string, string][];
  body: number[];
}

async function answer(response: Response): Promise<[Answer, string | null]> {
  const servedBy = response.headers.get(SERVED_BY);
  const headers = [...response.headers].filter(([name]) => name !== SERVED_BY);
  const body = [...new Uint8Array(await response.arrayBuffer())];
  return [{ status: response.status, headers, body }, servedBy];
}

describe("the fast unary path answers as the stock handler", () => {
  it.each(cases)("$name", async (c) => {
    const [expected, stockServedBy] = await answer(await send(stock, c));
    const [actual, fastServedBy] = await answer(await send(fast, c));
    expect(actual).toEqual(expected);
    // Calls that reach the implementation say which path ran them.
    expect(stockServedBy).toBe(c.via === "none" ? null : "stock");
    expect(fastServedBy).toBe(c.via === "none" ? null : c.via);
  });

  it.each([
    ["succeeded", ids.stash],
    ["failed", ids.stashAndFail],
  ])(
    "leaves the signal of a call that %s aborted, as stock, though it was never read",
    async (_, id) => {
      const signalAfter = async (app: typeof stock) => {
        stashedContexts.length = 0;
        await send(app, { name: id, via: "fast", headers: proto, body: () => binary(id) });
        const { signal } = stashedContexts[0] as HandlerContext;
        const reason = signal.reason as { name?: string; code?: number; message?: string };
        return {
          aborted: signal.aborted,
          name: reason?.name,
          code: reason?.code,
          message: reason?.message,
        };
      };
      const expected = await signalAfter(stock);
      expect(expected.aborted).toBe(true);
      expect(await signalAfter(fast)).toEqual(expected);
    },
  );

  it("sees the stock answers it is compared with", async () => {
    const ok = await send(stock, cases[0] as Case);
    expect(ok.status).toBe(200);
    const late = await send(stock, cases.find((c) => c.name === "deadline exceeded") as Case);
    expect(late.status).toBe(504);
    expect(await late.json()).toMatchObject({ code: "deadline_exceeded" });
    const lateReader = await send(
      stock,
      cases.find((c) => c.name === "deadline passed before the signal is first read") as Case,
    );
    expect(lateReader.status).toBe(504);
    const echo = await send(stock, cases.find((c) => c.name === "header and trailer echo") as Case);
    expect(echo.headers.get("x-echo")).toBe("hello");
    expect(echo.headers.get("trailer-x-echo-trailer")).toBe("hello");
    const missing = await send(
      stock,
      cases.find((c) => c.name === "error with details and metadata") as Case,
    );
    expect(missing.headers.get("x-why")).toBe("canned");
    expect(await missing.json()).toMatchObject({
      code: "not_found",
      details: [{ type: "slipway.rpc.v1.BadRequest" }],
    });
  });
});
