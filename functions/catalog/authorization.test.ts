// Defence in depth: catalog decides for itself who may change it, whatever the gateway did.
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { testCredentials } from "../platform/testing/credentials.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { uniqueSku, useCatalog } from "./testing.js";

const customer = {
  subject: "customer-1",
  scopes: new Set(["profile", "orders:read", "orders:write"]),
};

describe("catalog authorization", () => {
  const catalog = useCatalog("pglite");
  const asCustomer = () =>
    createServiceClient(CatalogService, {
      baseUrl: "http://catalog.test",
      timeoutMs: 10_000,
      fetch: inProcessFetch(catalog.app),
      interceptors: [testCredentials("catalog", customer)],
    });

  const codeOf = (call: Promise<unknown>) =>
    call.then(
      () => "ok",
      (error) => ConnectError.from(error).code,
    );

  it("lets a customer browse", async () => {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("AUTHZ"),
      name: "Tray",
      price: { amountMinor: 100n, currency: "EUR" },
      initialStock: 2,
    });
    const id = product?.id ?? "";
    expect((await asCustomer().getProduct({ id })).product?.id).toBe(id);
    expect(await codeOf(asCustomer().listProducts({ pageSize: 5 }))).toBe("ok");
  });

  it("refuses a customer every change with PermissionDenied", async () => {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("AUTHZ"),
      name: "Tray",
      price: { amountMinor: 100n, currency: "EUR" },
      initialStock: 2,
    });
    const id = product?.id ?? "";
    const client = asCustomer();
    const calls = [
      client.createProduct({
        sku: uniqueSku("AUTHZ"),
        name: "Forged",
        price: { amountMinor: 1n, currency: "EUR" },
      }),
      client.updateProduct({ id, name: "Renamed" }),
      client.adjustStock({ id, delta: -2, reason: "stolen" }),
    ];
    expect(await Promise.all(calls.map(codeOf))).toEqual([
      Code.PermissionDenied,
      Code.PermissionDenied,
      Code.PermissionDenied,
    ]);
    const { product: after } = await catalog.client.getProduct({ id });
    expect(after).toMatchObject({ name: "Tray", stock: 2 });
  });
});
