// The gateway of the baseline paths, in a process of its own: a Hono app that answers the REST
// reads by calling the baseline service (SERVICE_URL) one of three ways, UPSTREAM:
//   fetch    REST + JSON over Node's fetch (undici, its default keep-alive pool): path E′
//   agent    REST + JSON over http.request with a keep-alive http.Agent: path E′ agent
//   connect  stock Connect, binary proto, over connect-node's HTTP/1.1 transport, no
//            interceptors: path E
// Each JSON answer is parsed and written again, as a gateway that maps it would.
import { Agent, request } from "node:http";
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-node";
import { Hono } from "hono";
import { productToJson } from "../../functions/gateway/routes/product-json.js";
import { CatalogService } from "../../functions/gen/catalog/v1/catalog_pb.js";
import { serveUntilStopped } from "./serve.js";

const serviceUrl = process.env.SERVICE_URL ?? "";
const upstream = process.env.UPSTREAM;

type Answer = { status: 200 | 404 | 502; body: unknown };

const agent = new Agent({ keepAlive: true });

function getWithAgent(path: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(path, serviceUrl), { agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (chunk: Buffer) => chunks.push(chunk));
      res.on("error", reject);
      res.on("end", () => {
        try {
          resolve(answer(res.statusCode ?? 0, JSON.parse(Buffer.concat(chunks).toString("utf8"))));
        } catch (error) {
          reject(error);
        }
      });
    });
    req.on("error", reject);
    req.end();
  });
}

async function getWithFetch(path: string): Promise<Answer> {
  const res = await fetch(new URL(path, serviceUrl));
  return answer(res.status, await res.json());
}

const answer = (status: number, body: unknown): Answer => ({
  status: status === 200 || status === 404 ? status : 502,
  body,
});

function restApp(get: (path: string) => Promise<Answer>) {
  return new Hono()
    .get("/v1/products", async (c) => {
      const { status, body } = await get("/v1/products?limit=100");
      return c.json(body, status);
    })
    .get("/v1/products/:id", async (c) => {
      const { status, body } = await get(`/v1/products/${encodeURIComponent(c.req.param("id"))}`);
      return c.json(body, status);
    });
}

function connectApp() {
  const catalog = createClient(
    CatalogService,
    createConnectTransport({ baseUrl: serviceUrl, httpVersion: "1.1", useBinaryFormat: true }),
  );
  return new Hono()
    .get("/v1/products", async (c) => {
      const page = await catalog.listProducts({ pageSize: 100 });
      return c.json({
        items: page.products.map(productToJson),
        nextCursor: page.nextPageToken || null,
      });
    })
    .get("/v1/products/:id", async (c) => {
      const { product } = await catalog.getProduct({ id: c.req.param("id") });
      return c.json(productToJson(product));
    });
}

const apps = {
  fetch: () => restApp(getWithFetch),
  agent: () => restApp(getWithAgent),
  connect: connectApp,
};
if (upstream !== "fetch" && upstream !== "agent" && upstream !== "connect") {
  throw new Error(`UPSTREAM must be fetch, agent or connect, got ${upstream}`);
}
await serveUntilStopped(apps[upstream]().fetch, async () => agent.destroy());
