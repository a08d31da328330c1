import { describe, expect, it } from "vitest";
import { useCatalog } from "../../catalog/testing.js";

// The catalog's Connect routes, through its real app, with bodies no client library would send.
describe("Connect routes in Hono", () => {
  const catalog = useCatalog("pglite");
  const getProduct = "/slipway.catalog.v1.CatalogService/GetProduct";

  it.each([
    ["truncated protobuf", new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff])],
    ["a string field that is not UTF-8", new Uint8Array([0x0a, 0x02, 0xff, 0xfe])],
  ])("answers invalid_argument, not internal, for %s", async (_name, body) => {
    const response = await catalog.app.request(getProduct, {
      method: "POST",
      headers: { "content-type": "application/proto", "connect-protocol-version": "1" },
      body,
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
  });

  it("answers invalid_argument for malformed JSON", async () => {
    const response = await catalog.app.request(getProduct, {
      method: "POST",
      headers: { "content-type": "application/json", "connect-protocol-version": "1" },
      body: "{nope",
    });
    expect(response.status).toBe(400);
    expect(await response.json()).toMatchObject({ code: "invalid_argument" });
  });
});
