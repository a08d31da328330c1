import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { Code, ConnectError } from "@connectrpc/connect";
import { connectNodeAdapter } from "@connectrpc/connect-node";
import * as v from "valibot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/catalog/v1/catalog_pb.js";
import { loadConfig } from "../config.js";
import { createServiceClient } from "./client.js";
import { httpUrlList, serviceUrls } from "./config.js";
import { roundRobin, roundRobinFetch } from "./round-robin.js";

/** A catalog replica over HTTP that names itself as the product's name. */
async function replica(name: string): Promise<{ url: string; server: Server }> {
  const server = createServer(
    connectNodeAdapter({
      routes: (router) =>
        router.service(CatalogService, {
          getProduct: ({ id }) => ({ product: { id, name } }),
        }),
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server };
}

/** A URL where nothing listens: a port that was just in use, closed. */
async function deadUrl(): Promise<string> {
  const { url, server } = await replica("dead");
  await new Promise((resolve) => server.close(resolve));
  return url;
}

describe("roundRobin", () => {
  it("hands the items out in turn, starting with the first", () => {
    const next = roundRobin(["a", "b", "c"]);
    expect(Array.from({ length: 7 }, next)).toEqual(["a", "b", "c", "a", "b", "c", "a"]);
    expect(() => roundRobin([])).toThrow();
  });
});

describe("a service client over several base URLs", () => {
  const servers: Server[] = [];
  let one: string;
  let two: string;
  beforeAll(async () => {
    const [first, second] = await Promise.all([replica("one"), replica("two")]);
    servers.push(first.server, second.server);
    one = first.url;
    two = second.url;
  });
  afterAll(async () => {
    await Promise.all(servers.map((server) => new Promise((resolve) => server.close(resolve))));
  });

  it("spreads calls over the replicas in turn", async () => {
    const catalog = createServiceClient(CatalogService, { baseUrl: [one, two], timeoutMs: 2000 });
    const names = [];
    for (let i = 0; i < 4; i++) names.push((await catalog.getProduct({ id: "p" })).product?.name);
    expect(names).toEqual(["one", "two", "one", "two"]);
  });

  it("keeps one URL as one replica", async () => {
    const catalog = createServiceClient(CatalogService, { baseUrl: two, timeoutMs: 2000 });
    expect((await catalog.getProduct({ id: "p" })).product?.name).toBe("two");
  });

  it("reports Unavailable for the call that lands on a dead replica, and serves the next", async () => {
    const catalog = createServiceClient(CatalogService, {
      baseUrl: [await deadUrl(), one],
      timeoutMs: 2000,
    });
    const dead = await catalog.getProduct({ id: "p" }).catch((error: unknown) => error);
    expect(dead).toBeInstanceOf(ConnectError);
    expect((dead as ConnectError).code).toBe(Code.Unavailable);
    expect((await catalog.getProduct({ id: "p" })).product?.name).toBe("one");
  });

  it("sends each call through the given fetch, to the next replica, as with one URL", async () => {
    const seen: string[] = [];
    const recording: typeof fetch = (input, init) => {
      seen.push(new URL(input instanceof Request ? input.url : String(input)).origin);
      return fetch(input, init);
    };
    const dead = await deadUrl();
    const catalog = createServiceClient(CatalogService, {
      baseUrl: [one, two, dead],
      timeoutMs: 2000,
      fetch: recording,
    });
    await catalog.getProduct({ id: "p" });
    await catalog.getProduct({ id: "p" });
    await expect(catalog.getProduct({ id: "p" })).rejects.toMatchObject({
      code: Code.Unavailable,
    });
    expect(seen).toEqual([one, two, dead]);
  });

  it("refuses an empty list of URLs", () => {
    expect(() => createServiceClient(CatalogService, { baseUrl: [], timeoutMs: 1 })).toThrow();
  });
});

describe("roundRobinFetch", () => {
  it("sends requests under the first base URL to each replica in turn, path and query kept", async () => {
    const seen: string[] = [];
    const recording: typeof fetch = async (input) => {
      seen.push(input instanceof Request ? input.url : String(input));
      return new Response("ok");
    };
    const fetchFn = roundRobinFetch(["http://a:1", "http://b:2/"], recording);
    await fetchFn(new URL("http://a:1/oauth2/token?x=1"), { method: "POST" });
    await fetchFn("http://a:1/.well-known/jwks.json");
    await fetchFn(new Request("http://a:1/oauth2/authorize"));
    await fetchFn("http://elsewhere/x");
    expect(seen).toEqual([
      "http://a:1/oauth2/token?x=1",
      "http://b:2/.well-known/jwks.json",
      "http://a:1/oauth2/authorize",
      "http://elsewhere/x",
    ]);
  });
});

describe("<SERVICE>_URLS", () => {
  const Config = v.object({
    CATALOG_URL: v.optional(v.string(), "http://c:1"),
    CATALOG_URLS: httpUrlList,
  });

  it("lists the replicas, comma-separated, over the single URL", () => {
    const config = loadConfig(Config, {
      CATALOG_URLS: "http://a:1, http://b:2,",
      CATALOG_URL: "http://c:3",
    });
    expect(serviceUrls(config.CATALOG_URLS, config.CATALOG_URL)).toEqual([
      "http://a:1",
      "http://b:2",
    ]);
  });

  it("falls back to the single URL when unset or empty", () => {
    for (const env of [{}, { CATALOG_URLS: "" }]) {
      const config = loadConfig(Config, env);
      expect(serviceUrls(config.CATALOG_URLS, config.CATALOG_URL)).toEqual(["http://c:1"]);
    }
  });

  it("names a URL that is not http(s)", () => {
    expect(() => loadConfig(Config, { CATALOG_URLS: "http://a:1,ftp://b" })).toThrow(
      /CATALOG_URLS\.1: must start with http/,
    );
    expect(() => loadConfig(Config, { CATALOG_URLS: " , " })).toThrow(/at least one URL/);
  });
});
