// Property tests: whatever a client sends, the gateway answers below 500, and every 4xx is a
// well-formed problem+json.
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { uniqueSku } from "../catalog/testing.js";
import { json, problemDefect, productBody, useGateway } from "./testing.js";

const RUNS = 100;

/** Text of any code points, lone surrogates included. */
const anyText = fc.string({ unit: "binary", maxLength: 40 });
const anyNumber = fc.oneof(
  fc.integer({ min: -3, max: 3 }),
  fc.maxSafeInteger(),
  fc.double(),
  fc.constant(2 ** 53),
);
const anyJson = fc.jsonValue({ stringUnit: "binary", maxDepth: 3 });
/** Strings or numbers a field might plausibly hold, or any JSON at all. */
const fieldValue = fc.oneof(anyText, anyNumber, anyJson);
const price = fc.oneof(
  fc.record(
    {
      amountMinor: anyNumber,
      currency: fc.oneof(fc.constantFrom("EUR", "JPY", "eur", "XXX", ""), anyText),
    },
    { requiredKeys: [] },
  ),
  anyJson,
);
const sku = fc.oneof(fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9._-]{0,70}$/), anyText);

const createFields = fc.record(
  { sku, name: fc.oneof(anyText, fieldValue), description: fieldValue, price, stock: anyNumber },
  { requiredKeys: [] },
);

/** Bodies that look like the API's, field by field wrong in every way. */
const nearlyValid = {
  create: fc.oneof(
    createFields,
    // A valid body with some fields replaced: gets past the gateway into the catalog.
    fc
      .tuple(fc.stringMatching(/^[A-Z][A-Z0-9-]{5,20}$/), createFields)
      .map(([validSku, fields]) => ({ ...productBody(validSku), ...fields })),
  ),
  update: fc.record(
    { name: fc.oneof(anyText, fieldValue), description: fieldValue, price },
    { requiredKeys: [] },
  ),
  stock: fc.record({ delta: anyNumber, reason: fieldValue }, { requiredKeys: [] }),
};

describe("the problem oracle", () => {
  const good = { type: "urn:slipway:problem:not-found", title: "Not found", status: 404 };
  const problem = { ...good, detail: "no such thing", instance: "/v1/x" };

  it("accepts a well-formed problem and rejects broken ones", () => {
    expect(problemDefect(problem, 404, "/v1/x")).toBeUndefined();
    expect(problemDefect(problem, 400)).toBeDefined();
    expect(problemDefect(problem, 404, "/v1/y")).toBeDefined();
    expect(problemDefect({ ...problem, title: "Gone" }, 404)).toBeDefined();
    expect(problemDefect({ ...problem, type: "about:blank" }, 404)).toBeDefined();
    expect(problemDefect({ ...problem, stack: "at x" }, 404)).toBeDefined();
    expect(problemDefect({ ...problem, errors: [{ detail: "x" }] }, 404)).toBeDefined();
    expect(
      problemDefect({ ...problem, errors: [{ pointer: "sku", detail: "x" }] }, 404),
    ).toBeDefined();
    expect(problemDefect([problem], 404)).toBeDefined();
  });
});

describe("fuzzing the REST API", () => {
  const gateway = useGateway("pglite");
  let productPath = "";

  beforeAll(async () => {
    const response = await gateway.asAdmin(
      "/v1/products",
      json("POST", productBody(uniqueSku("FUZZ"), { stock: 1_000 })),
    );
    productPath = response.headers.get("location") ?? "";
  });

  /** Sends one request and checks the answer; `instance` is the path problems must name. */
  async function expectWellFormed(path: string, init: RequestInit, instance?: string) {
    // With a token that may write: the refusals of interest here come after the token check.
    const response = await gateway.asAdmin(path, init);
    const text = await response.text();
    const context = `${init.method ?? "GET"} ${path} ${String(init.body ?? "")}`.slice(0, 300);
    expect(response.status, `${context} → ${text}`).toBeLessThan(500);
    if (response.status >= 400) {
      expect(response.headers.get("content-type"), context).toBe("application/problem+json");
      expect(problemDefect(JSON.parse(text), response.status, instance), context).toBeUndefined();
    } else if (init.method !== "HEAD") {
      expect(response.headers.get("content-type"), context).toMatch(/^application\/json/);
    }
  }

  const targets = () => [
    { method: "POST", path: "/v1/products", body: nearlyValid.create },
    { method: "PATCH", path: productPath, body: nearlyValid.update },
    { method: "POST", path: `${productPath}/stock`, body: nearlyValid.stock },
  ];

  it("answers any JSON body without a 5xx", async () => {
    for (const { method, path, body } of targets()) {
      await fc.assert(
        fc.asyncProperty(fc.oneof(anyJson, body), async (value) => {
          await expectWellFormed(path, json(method, value), path);
        }),
        { numRuns: RUNS },
      );
    }
  });

  it("answers any text body without a 5xx", async () => {
    const contentType = fc.constantFrom("application/json", "application/json; charset=utf-8");
    for (const { method, path } of targets()) {
      await fc.assert(
        fc.asyncProperty(
          fc.string({ unit: "binary", maxLength: 200 }),
          contentType,
          async (body, type) => {
            await expectWellFormed(path, { method, headers: { "content-type": type }, body }, path);
          },
        ),
        { numRuns: RUNS / 2 },
      );
    }
  });

  it("answers any path segment and query string without a 5xx", async () => {
    const urlish = fc.string({
      unit: fc.constantFrom(..."abcXYZ019-._~%/:@!$&'()*+,;=?".split("")),
      maxLength: 40,
    });
    const segment = fc.oneof(urlish, anyText.map(encodeURIComponent), fc.uuid());
    const query = fc.oneof(
      urlish,
      fc
        .dictionary(
          fc.constantFrom("limit", "cursor", "x"),
          fc.oneof(anyText, fc.nat().map(String)),
        )
        .map((params) => new URLSearchParams(params).toString()),
    );
    await fc.assert(
      fc.asyncProperty(segment, query, fc.constantFrom("", "/stock"), async (id, search, tail) => {
        await expectWellFormed(`/v1/products/${id}${tail}?${search}`, { method: "GET" });
        await expectWellFormed(`/v1/products?${search}`, { method: "GET" }, "/v1/products");
      }),
      { numRuns: RUNS },
    );
  });
});
