import { describe, expect, it } from "vitest";
import type { Product } from "../../../gen/catalog/v1/catalog_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { productListings } from "../../db/schema.js";
import { uniqueSku, useCatalog } from "../../testing.js";
import { rebuildListing } from "./rebuild-listing.js";

describe.each(databaseKinds)("product listing projection on %s", (kind) => {
  const catalog = useCatalog(kind);

  async function listed(id: string) {
    const rows = await catalog.db.select().from(productListings);
    return rows.find((row) => row.id === id);
  }

  /** A product changed three times, its events captured and not yet applied. */
  async function productWithHistory(): Promise<{ product: Product; bodies: string[] }> {
    await catalog.drain();
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("PROJ"),
      name: "Lamp",
      price: { amountMinor: 1500n, currency: "EUR" },
      initialStock: 10,
    });
    const id = product?.id ?? "";
    await catalog.client.updateProduct({ id, name: "Desk lamp" });
    const { product: last } = await catalog.client.adjustStock({ id, delta: -4, reason: "sold" });
    const queued = await catalog.bus.deadLetters.list("catalog");
    expect(queued).toEqual([]);
    // Take the three events off the queue without applying them.
    const bodies: string[] = [];
    await catalog.bus.subscriber().drain("catalog", async (delivery) => {
      bodies.push(delivery.body);
    });
    expect(bodies).toHaveLength(3);
    return { product: last as Product, bodies };
  }

  async function apply(bodies: string[]) {
    for (const body of bodies) {
      await catalog.bus.publisher.publish([JSON.parse(body)]);
    }
    await catalog.drain();
  }

  it("shows a product once its events are applied, not before", async () => {
    const { product, bodies } = await productWithHistory();
    expect(await listed(product.id)).toBeUndefined();
    await apply(bodies);
    expect(await listed(product.id)).toMatchObject({ name: "Desk lamp", stock: 6, revision: 3 });
  });

  it("ends in the same row whatever order the events arrive in, and twice over", async () => {
    const { product, bodies } = await productWithHistory();
    const [created, updated, adjusted] = bodies as [string, string, string];
    await apply([adjusted, created, updated, created, adjusted]);
    expect(await listed(product.id)).toMatchObject({
      name: "Desk lamp",
      stock: 6,
      revision: product.revision,
    });
  });

  it("never moves a row back to an older revision", async () => {
    const { product, bodies } = await productWithHistory();
    const [created, updated, adjusted] = bodies as [string, string, string];
    await apply([updated, adjusted]);
    await apply([created]);
    expect(await listed(product.id)).toMatchObject({ stock: 6, revision: 3 });
  });

  it("rebuilds the listing from the products", async () => {
    const { product } = await productWithHistory();
    const rows = await rebuildListing(catalog.db);
    expect(rows).toBeGreaterThanOrEqual(1);
    expect(await listed(product.id)).toMatchObject({ name: "Desk lamp", stock: 6, revision: 3 });
  });

  it("finds products by part of their name, ignoring case, with LIKE characters as text", async () => {
    const tag = uniqueSku("Q").replace(/-/g, "");
    for (const name of [
      `${tag} Red kettle`,
      `${tag} blue KETTLE`,
      `${tag} teapot`,
      `${tag} 100%_off`,
    ]) {
      await catalog.client.createProduct({
        sku: uniqueSku("SEARCH"),
        name,
        price: { amountMinor: 100n, currency: "EUR" },
      });
    }
    await catalog.drain();
    // Names from this test only: other tests in the file share the listing.
    const names = async (query: string) =>
      (await catalog.client.listProducts({ query, pageSize: 100 })).products
        .map((product) => product.name)
        .filter((name) => name.startsWith(tag))
        .sort();
    expect(await names(tag)).toHaveLength(4);
    expect(await names(tag.toLowerCase())).toHaveLength(4);
    expect(await names("kettle")).toEqual([`${tag} Red kettle`, `${tag} blue KETTLE`].sort());
    expect(await names("100%_")).toEqual([`${tag} 100%_off`]);
    expect(await names("0%_o")).toEqual([`${tag} 100%_off`]);
    expect(await names("%k")).toEqual([]);
  });
});
