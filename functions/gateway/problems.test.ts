import { describe, expect, it } from "vitest";
import { uniqueSku } from "../catalog/testing.js";
import { listen } from "../platform/node-server.js";
import { type Problem, type ProblemKind, problemKinds } from "./problem.js";
import { startGateway } from "./services.js";
import {
  adminToken,
  authorized,
  gatewayWith,
  json,
  productBody,
  TEST_BODY_LIMIT_BYTES,
  testGatewayConfig,
  testJwks,
  useGateway,
} from "./testing.js";

const UNKNOWN = "01890a5d-ac96-774b-bcce-b302099a8057";
const PRODUCTS = "/v1/products";
/** `{id}` stands for a product that exists, with stock 5. */
const PRODUCT = "/v1/products/{id}";
const STOCK = "/v1/products/{id}/stock";

interface Case {
  name: string;
  method: string;
  path: string;
  /** A JSON value sent as application/json, or a request sent as is. */
  body: unknown;
  kind: ProblemKind;
  /** Every field at fault, as `#/pointer` (`#` for the whole body) or `?parameter`. */
  fields?: string[];
}

class Raw {
  constructor(readonly init: RequestInit) {}
}
const raw = (body: BodyInit, contentType?: string) =>
  new Raw({ body, headers: contentType ? { "content-type": contentType } : {} });
const bytes = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

/** One case: `route` is "METHOD /path". */
function when(
  name: string,
  route: string,
  body: unknown,
  kind: ProblemKind,
  fields?: Case["fields"],
): Case {
  const [method = "", path = ""] = route.split(" ");
  return { name, method, path, body, kind, fields };
}

const duplicateSku = uniqueSku("DUP");
const invalid = "validation-failed";
const withPrice = (amountMinor: unknown, currency: unknown = "EUR") =>
  productBody("PRICED-1", { price: { amountMinor, currency } });

const cases: Case[] = [
  // Bodies the gateway rejects itself.
  when("missing fields", `POST ${PRODUCTS}`, { description: "d" }, invalid, [
    "#/sku",
    "#/name",
    "#/price",
  ]),
  when(
    "wrong types",
    `POST ${PRODUCTS}`,
    { sku: 1, name: true, price: { amountMinor: "1", currency: 978 }, stock: "3" },
    invalid,
    ["#/sku", "#/name", "#/price/amountMinor", "#/price/currency", "#/stock"],
  ),
  when("unknown field", `POST ${PRODUCTS}`, productBody("U-1", { colour: 1 }), invalid, [
    "#/colour",
  ]),
  when(
    "unknown nested field",
    `POST ${PRODUCTS}`,
    productBody("U-2", { price: { amountMinor: 1, currency: "EUR", tax: 1 } }),
    invalid,
    ["#/price/tax"],
  ),
  when("malformed JSON", `POST ${PRODUCTS}`, raw('{"sku": ', "application/json"), invalid),
  when("empty body", `POST ${PRODUCTS}`, raw("", "application/json"), invalid),
  when("array body", `POST ${PRODUCTS}`, [productBody("A-1")], invalid, ["#"]),
  when("null body", `POST ${PRODUCTS}`, null, invalid, ["#"]),
  when("invalid currency", `POST ${PRODUCTS}`, withPrice(1, "eur"), invalid, ["#/price/currency"]),
  when("negative amount", `POST ${PRODUCTS}`, withPrice(-1), invalid, ["#/price/amountMinor"]),
  when("fractional amount", `POST ${PRODUCTS}`, withPrice(1.5), invalid, ["#/price/amountMinor"]),
  when("unsafe amount", `POST ${PRODUCTS}`, withPrice(2 ** 53), invalid, ["#/price/amountMinor"]),
  when("negative stock", `POST ${PRODUCTS}`, productBody("N-1", { stock: -1 }), invalid, [
    "#/stock",
  ]),
  // Bodies the catalog rejects: the pointers still name this API's fields.
  when("invalid sku (catalog)", `POST ${PRODUCTS}`, productBody("not a sku!"), invalid, ["#/sku"]),
  when("blank name (catalog)", `POST ${PRODUCTS}`, productBody("B-1", { name: " " }), invalid, [
    "#/name",
  ]),
  when("blank name in PATCH (catalog)", `PATCH ${PRODUCT}`, { name: "" }, invalid, ["#/name"]),
  when("zero delta (catalog)", `POST ${STOCK}`, { delta: 0 }, invalid, ["#/delta"]),
  when("PATCH with an empty object", `PATCH ${PRODUCT}`, {}, invalid, ["#"]),
  when("PATCH without currency", `PATCH ${PRODUCT}`, { price: { amountMinor: 5 } }, invalid, [
    "#/price/currency",
  ]),
  // Ids and query parameters.
  when("unknown id", `GET ${PRODUCTS}/${UNKNOWN}`, undefined, "not-found"),
  when("unknown id in PATCH", `PATCH ${PRODUCTS}/${UNKNOWN}`, { name: "Ghost" }, "not-found"),
  when("unknown id for stock", `POST ${PRODUCTS}/${UNKNOWN}/stock`, { delta: 1 }, "not-found"),
  when("non-UUID id", `GET ${PRODUCTS}/42`, undefined, invalid, ["?id"]),
  when("non-UUID id for stock", `POST ${PRODUCTS}/x/stock`, { delta: 1 }, invalid, ["?id"]),
  when("limit=0", `GET ${PRODUCTS}?limit=0`, undefined, invalid, ["?limit"]),
  when("limit=101", `GET ${PRODUCTS}?limit=101`, undefined, invalid, ["?limit"]),
  when("limit=abc", `GET ${PRODUCTS}?limit=abc`, undefined, invalid, ["?limit"]),
  when("bad cursor", `GET ${PRODUCTS}?cursor=not-a-cursor`, undefined, invalid, ["?cursor"]),
  when("unknown route", "GET /v1/carts", undefined, "not-found"),
  // State.
  when("stock below zero", `POST ${STOCK}`, { delta: -6 }, "conflict"),
  when("duplicate SKU", `POST ${PRODUCTS}`, productBody(duplicateSku), "conflict"),
  when(
    "duplicate SKU, other case",
    `POST ${PRODUCTS}`,
    productBody(duplicateSku.toLowerCase()),
    "conflict",
  ),
  // The request as a whole.
  when(
    "oversized body",
    `POST ${PRODUCTS}`,
    productBody("HUGE-1", { description: "x".repeat(TEST_BODY_LIMIT_BYTES) }),
    "payload-too-large",
  ),
  when(
    "text/plain body",
    `POST ${PRODUCTS}`,
    raw(JSON.stringify(productBody("T-1")), "text/plain"),
    "unsupported-media-type",
  ),
  when(
    "no content type",
    `POST ${PRODUCTS}`,
    raw(bytes(productBody("C-1"))),
    "unsupported-media-type",
  ),
  when(
    "no content type, PATCH",
    `PATCH ${PRODUCT}`,
    raw(bytes({ name: "x" })),
    "unsupported-media-type",
  ),
];

describe("problems", () => {
  const gateway = useGateway("pglite");
  let productId = "";

  /** A product with stock 5, and one whose SKU the duplicate cases reuse. */
  async function existingProduct(): Promise<string> {
    if (productId) return productId;
    const response = await gateway.asAdmin(
      "/v1/products",
      json("POST", productBody(uniqueSku("EXISTING"), { stock: 5 })),
    );
    productId = ((await response.json()) as { id: string }).id;
    const duplicate = await gateway.asAdmin(
      "/v1/products",
      json("POST", productBody(duplicateSku)),
    );
    expect(duplicate.status).toBe(201);
    return productId;
  }

  async function send(method: string, path: string, init: RequestInit) {
    const response = await gateway.asAdmin(path, { method, ...init });
    return { response, problem: (await response.json()) as Problem };
  }

  it.each(cases)("$name → $kind", async (testCase) => {
    const path = testCase.path.replace("{id}", await existingProduct());
    const { method, body } = testCase;
    const init = body instanceof Raw ? body.init : body === undefined ? {} : json(method, body);
    const { response, problem } = await send(method, path, init);
    const status = problemKinds[testCase.kind].status;

    expect(response.status).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(problem).toMatchObject({
      type: `urn:slipway:problem:${testCase.kind}`,
      title: problemKinds[testCase.kind].title,
      status,
      detail: expect.any(String),
      instance: new URL(path, "http://gateway.test").pathname,
    });
    expect(problem.detail).not.toBe("");
    const fields = (problem.errors ?? []).map((error) =>
      error.pointer !== undefined ? error.pointer : `?${error.parameter}`,
    );
    expect([...new Set(fields)].sort()).toEqual([...(testCase.fields ?? [])].sort());
    for (const error of problem.errors ?? []) expect(error.detail).toEqual(expect.any(String));
  });

  it("leaves the product untouched after refused changes", async () => {
    const id = await existingProduct();
    const response = await gateway.request(`/v1/products/${id}`);
    expect(await response.json()).toMatchObject({ stock: 5, name: "Teapot" });
  });

  describe("edge cases that once answered 5xx or misled", () => {
    // `stock` and `delta` are int32 in the proto; larger numbers must not reach the encoder.
    it.each([
      ["stock 2^31 on create", "/v1/products", productBody("INT32-1", { stock: 2 ** 31 })],
      ["delta 2^31", "/v1/products/{id}/stock", { delta: 2 ** 31 }],
      ["delta -2^31 - 1", "/v1/products/{id}/stock", { delta: -(2 ** 31) - 1 }],
    ])("%s → 400, not 500", async (_name, path, body) => {
      const id = await existingProduct();
      const { response, problem } = await send(
        "POST",
        path.replace("{id}", id),
        json("POST", body),
      );
      expect(response.status).toBe(400);
      expect(problem.errors?.[0]?.pointer).toMatch(/^#\/(stock|delta)$/);
    });

    // Postgres text cannot hold U+0000, so the catalog's rules refuse it.
    it.each([
      ["create", "POST", "/v1/products", productBody("NUL-1", { name: "Tea\u0000pot" })],
      ["patch", "PATCH", "/v1/products/{id}", { description: "a\u0000b" }],
    ])("a NUL character in text on %s → 400, not 500", async (_name, method, path, body) => {
      const id = await existingProduct();
      const { response } = await send(method, path.replace("{id}", id), json(method, body));
      expect(response.status).toBe(400);
    });

    // `#` is the whole document (RFC 6901); `#/` would be a member named "".
    it("points at # when the whole body is at fault", async () => {
      const id = await existingProduct();
      const { problem } = await send("PATCH", `/v1/products/${id}`, json("PATCH", {}));
      expect(problem.errors?.map((error) => error.pointer)).toEqual(["#"]);
    });

    // A missing member is reported as missing, not as a type error of the object.
    it("says a missing field is missing, not 'must be an object'", async () => {
      const { problem } = await send("POST", "/v1/products", json("POST", { name: "Teapot" }));
      const sku = problem.errors?.find((error) => error.pointer === "#/sku");
      expect(sku?.detail).not.toBe("must be an object");
    });

    // The gateway's content-type check and Hono's JSON parsing must agree on what is JSON.
    it("either reads a body it accepted as JSON or answers 415", async () => {
      const { response } = await send("POST", "/v1/products", {
        headers: { "content-type": "application/vnd.a+b+json" },
        body: JSON.stringify(productBody(uniqueSku("MEDIA"))),
      });
      expect([201, 415]).toContain(response.status);
    });

    // The catalog's field names (`page_token`) and the raw input stay out of the answer.
    it("explains a bad cursor in the API's own words", async () => {
      const { problem } = await send("GET", "/v1/products?cursor=not-a-cursor", {});
      expect(problem.detail).not.toContain("page_token");
      expect(problem.errors?.[0]?.detail).toBe("is not a token from a previous page");
    });
  });
});

describe("problems when a service fails", () => {
  const internals = /127\.0\.0\.1|localhost|catalog\.test|:\d{2,5}\b|ECONN|\bat\s+\S+\s+\(|Error/i;

  async function createThrough(gateway: ReturnType<typeof startGateway>) {
    const response = await gateway.request(
      "/v1/products",
      authorized(json("POST", productBody(uniqueSku("DOWN"))), await adminToken()),
    );
    const problem = (await response.json()) as Problem;
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(Object.keys(problem).sort()).toEqual(["detail", "instance", "status", "title", "type"]);
    expect(problem.detail).not.toMatch(internals);
    expect(problem.instance).toBe("/v1/products");
    expect(problem.status).toBe(response.status);
    return problem;
  }

  it("answers 503 without internals when the catalog's port is closed", async () => {
    // A port that was free a moment ago: nothing listens on it any more.
    const server = await listen(() => new Response(), { port: 0 });
    await server.close();
    const gateway = startGateway(
      { ...testGatewayConfig, CATALOG_URL: server.url },
      { jwks: testJwks },
    );
    const problem = await createThrough(gateway);
    expect(problem).toMatchObject({ type: "urn:slipway:problem:service-unavailable", status: 503 });
    expect(problem.detail).not.toContain(String(server.port));
  });

  // A custom `fetch` (a SigV4 signer, say) that cannot connect must read as Unavailable too.
  it("answers 503 when the catalog refuses connections through a custom fetch", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3002"), {
      code: "ECONNREFUSED",
    });
    const gateway = gatewayWith(() =>
      Promise.reject(new TypeError("fetch failed", { cause: refused })),
    );
    const problem = await createThrough(gateway);
    expect(problem.status).toBe(503);
  });

  it("answers 504 without internals when the catalog does not answer in time", async () => {
    let aborted = false;
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => {
          aborted = true;
          reject(init.signal?.reason);
        });
      });
    const gateway = gatewayWith(hanging, { RPC_TIMEOUT_MS: 50 });
    const started = Date.now();
    const problem = await createThrough(gateway);
    expect(problem).toMatchObject({ type: "urn:slipway:problem:upstream-timeout", status: 504 });
    expect(aborted).toBe(true);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it("answers 500 without internals when the catalog answers garbage", async () => {
    const gateway = gatewayWith(async () => new Response("<html>oops</html>", { status: 200 }));
    const problem = await createThrough(gateway);
    expect(problem).toMatchObject({ type: "urn:slipway:problem:internal", status: 500 });
    expect(problem.detail).not.toContain("oops");
  });
});
