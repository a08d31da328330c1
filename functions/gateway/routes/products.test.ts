import { uuidv7 } from "uuidv7";
import { describe, expect, it } from "vitest";
import { products } from "../../catalog/db/schema.js";
import { rebuildListing } from "../../catalog/features/project-listing/rebuild-listing.js";
import { uniqueSku } from "../../catalog/testing.js";
import { json, productBody, useGateway } from "../testing.js";

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

interface ProductJson {
  id: string;
  sku: string;
  name: string;
  description: string;
  price: { amountMinor: number; currency: string };
  stock: number;
  createdAt: string;
  updatedAt: string;
}

interface PageJson {
  items: ProductJson[];
  nextCursor: string | null;
}

describe("REST /v1/products", () => {
  const gateway = useGateway("pglite");

  async function create(overrides: Record<string, unknown> = {}): Promise<ProductJson> {
    const response = await gateway.asAdmin(
      "/v1/products",
      json("POST", productBody(uniqueSku("REST"), overrides)),
    );
    expect(response.status).toBe(201);
    return (await response.json()) as ProductJson;
  }

  async function list(query = ""): Promise<PageJson> {
    // The listing follows the catalog's events; apply them before reading it.
    await gateway.catalog.drain();
    const response = await gateway.request(`/v1/products${query}`);
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    return (await response.json()) as PageJson;
  }

  it("creates a product: 201, Location, camelCase body", async () => {
    const sku = uniqueSku("CREATE");
    const response = await gateway.asAdmin(
      "/v1/products",
      json("POST", {
        sku,
        name: "  Kettle ",
        description: "Enamel, 1.5 l",
        price: { amountMinor: 2999, currency: "EUR" },
        stock: 7,
      }),
    );
    expect(response.status).toBe(201);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const body = (await response.json()) as ProductJson;
    expect(Object.keys(body).sort()).toEqual(
      ["createdAt", "description", "id", "name", "price", "sku", "stock", "updatedAt"].sort(),
    );
    expect(body).toEqual({
      id: expect.stringMatching(UUID),
      sku,
      name: "Kettle",
      description: "Enamel, 1.5 l",
      price: { amountMinor: 2999, currency: "EUR" },
      stock: 7,
      createdAt: expect.stringMatching(ISO_TIMESTAMP),
      updatedAt: expect.stringMatching(ISO_TIMESTAMP),
    });
    expect(body.updatedAt).toBe(body.createdAt);
    expect(response.headers.get("location")).toBe(`/v1/products/${body.id}`);
  });

  it("defaults description to empty and stock to zero", async () => {
    const response = await gateway.asAdmin(
      "/v1/products",
      json("POST", {
        sku: uniqueSku("DEFAULTS"),
        name: "Cup",
        price: { amountMinor: 0, currency: "JPY" },
      }),
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toMatchObject({
      description: "",
      stock: 0,
      price: { amountMinor: 0, currency: "JPY" },
    });
  });

  it("keeps the largest safe amount exact", async () => {
    const product = await create({
      price: { amountMinor: Number.MAX_SAFE_INTEGER, currency: "USD" },
    });
    expect(product.price.amountMinor).toBe(Number.MAX_SAFE_INTEGER);
  });

  it("gets what it created, at the Location it gave", async () => {
    const created = await gateway.asAdmin(
      "/v1/products",
      json("POST", productBody(uniqueSku("GET"))),
    );
    const location = created.headers.get("location") ?? "";
    const response = await gateway.request(location);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(await created.json());
  });

  it("patches only the fields given", async () => {
    const product = await create({ name: "Mug", description: "Stoneware" });
    const response = await gateway.asAdmin(
      `/v1/products/${product.id}`,
      json("PATCH", { price: { amountMinor: 1250, currency: "GBP" } }),
    );
    expect(response.status).toBe(200);
    const patched = (await response.json()) as ProductJson;
    expect(patched).toEqual({
      ...product,
      price: { amountMinor: 1250, currency: "GBP" },
      updatedAt: expect.stringMatching(ISO_TIMESTAMP),
    });
    expect(Date.parse(patched.updatedAt)).toBeGreaterThanOrEqual(Date.parse(product.updatedAt));

    const renamed = await gateway.asAdmin(
      `/v1/products/${product.id}`,
      json("PATCH", { name: "Big mug", description: "" }),
    );
    expect(await renamed.json()).toMatchObject({
      name: "Big mug",
      description: "",
      price: { amountMinor: 1250, currency: "GBP" },
      sku: product.sku,
      stock: product.stock,
    });
    const fetched = await gateway.request(`/v1/products/${product.id}`);
    expect(await fetched.json()).toMatchObject({ name: "Big mug", description: "" });
  });

  it("adjusts stock up and down, with or without a reason", async () => {
    const product = await create({ stock: 3 });
    const path = `/v1/products/${product.id}/stock`;
    const added = await gateway.asAdmin(path, json("POST", { delta: 5, reason: "restock" }));
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({ id: product.id, stock: 8 });

    const removed = await gateway.asAdmin(path, json("POST", { delta: -8 }));
    expect(removed.status).toBe(200);
    const body = (await removed.json()) as ProductJson;
    expect(body).toMatchObject({ id: product.id, sku: product.sku, stock: 0 });
    expect(body.price).toEqual(product.price);

    const fetched = await gateway.request(`/v1/products/${product.id}`);
    expect(await fetched.json()).toMatchObject({ stock: 0 });
  });

  it("runs the whole flow: create → get → list → patch → stock", async () => {
    const created = await create({ name: "Teapot", stock: 2 });
    const got = (await (await gateway.request(`/v1/products/${created.id}`)).json()) as ProductJson;
    expect(got).toEqual(created);

    const ids = await allIds(list, 100);
    expect(ids).toContain(created.id);

    await gateway.asAdmin(`/v1/products/${created.id}`, json("PATCH", { name: "Tea pot" }));
    await gateway.asAdmin(`/v1/products/${created.id}/stock`, json("POST", { delta: 10 }));
    const after = (await (
      await gateway.request(`/v1/products/${created.id}`)
    ).json()) as ProductJson;
    expect(after).toMatchObject({ name: "Tea pot", stock: 12, price: created.price });
    expect(after.createdAt).toBe(created.createdAt);
  });

  describe("list", () => {
    it("pages with the cursor until null, oldest first, without duplicates", async () => {
      const created: string[] = [];
      for (let i = 0; i < 23; i++) created.push((await create()).id);

      const ids = await allIds(list, 7);
      expect(new Set(ids).size).toBe(ids.length);
      expect([...ids].sort()).toEqual(ids); // UUIDv7 ids: sorted means oldest first
      expect(ids.filter((id) => created.includes(id))).toEqual(created);
    });

    it("answers 20 items by default and at most 100", async () => {
      // Straight into the catalog's table, then into its listing by a rebuild: 120 products
      // through the API would be slow.
      await gateway.catalog.db.insert(products).values(
        Array.from({ length: 120 }, () => ({
          id: uuidv7(),
          sku: uniqueSku("BULK"),
          name: "Bulk item",
          priceAmountMinor: 100n,
          priceCurrency: "EUR",
        })),
      );
      await rebuildListing(gateway.catalog.db);
      const first = await list();
      expect(first.items).toHaveLength(20);
      expect(first.nextCursor).toEqual(expect.any(String));

      const full = await list("?limit=100");
      expect(full.items).toHaveLength(100);
      expect(full.nextCursor).toEqual(expect.any(String));
      expect(full.items.slice(0, 20)).toEqual(first.items);

      const next = await list(`?limit=100&cursor=${encodeURIComponent(full.nextCursor ?? "")}`);
      expect(next.items[0]?.id).not.toBe(full.items[0]?.id);
      expect(next.items.map((item) => item.id)).not.toContain(full.items[99]?.id);
    });

    it("answers items in the product shape", async () => {
      const product = await create();
      const ids = await allIds(list, 100);
      expect(ids).toContain(product.id);
      const page = await list("?limit=1");
      expect(page.items).toHaveLength(1);
      expect(Object.keys(page.items[0] ?? {}).sort()).toEqual(
        ["createdAt", "description", "id", "name", "price", "sku", "stock", "updatedAt"].sort(),
      );
    });
  });
});

/** Every id in the catalog, walking pages of `limit` until nextCursor is null. */
async function allIds(list: (query?: string) => Promise<PageJson>, limit: number) {
  const ids: string[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const query: string = `?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await list(query);
    expect(page.items.length).toBeLessThanOrEqual(limit);
    ids.push(...page.items.map((item) => item.id));
    cursor = page.nextCursor;
    if (cursor === null) return ids;
    expect(page.items).toHaveLength(limit);
  }
  throw new Error("paging never ended");
}
