import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type { Product } from "../../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { encodePageToken } from "../../../platform/pagination/page-token.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { products } from "../../db/schema.js";
import { type CatalogUnderTest, uniqueSku, useCatalog } from "../../testing.js";

async function createProducts(catalog: CatalogUnderTest, count: number): Promise<string[]> {
  const ids: string[] = [];
  // One at a time, so creation order is well defined.
  for (let i = 0; i < count; i++) {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("LIST"),
      name: `Product ${i}`,
      price: { amountMinor: BigInt(100 + i), currency: "EUR" },
      initialStock: i,
    });
    ids.push(product?.id ?? "");
  }
  // The listing is a projection of the catalog's events: apply them before reading it.
  await catalog.drain();
  return ids;
}

/** Follows next_page_token to the end; returns every page. */
async function allPages(catalog: CatalogUnderTest, pageSize: number): Promise<Product[][]> {
  const pages: Product[][] = [];
  let pageToken = "";
  do {
    const page = await catalog.client.listProducts({ pageSize, pageToken });
    pages.push(page.products);
    pageToken = page.nextPageToken;
  } while (pageToken !== "" && pages.length < 1000);
  return pages;
}

function invalidFields(error: ConnectError): string[] {
  const [details] = error.findDetails(BadRequestSchema);
  return details?.fieldViolations.map((violation) => violation.field) ?? [];
}

describe.each(databaseKinds)("ListProducts on %s", (kind) => {
  // One database per kind for the whole file: tests count what is there instead of assuming
  // it is empty (bar the first).
  const catalog = useCatalog(kind);

  const listError = (pageSize: number, pageToken = "") =>
    catalog.client.listProducts({ pageSize, pageToken }).then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("answers an empty page without a next token when there are no products", async () => {
    expect(await catalog.db.$count(products)).toBe(0);
    const page = await catalog.client.listProducts({});
    expect(page.products).toEqual([]);
    expect(page.nextPageToken).toBe("");
  });

  it("pages through every product oldest first, without gaps or repeats", async () => {
    const before = await catalog.db.$count(products);
    const created = await createProducts(catalog, 7);

    const pages = await allPages(catalog, 3);

    // 3, 3, 1 when this file's database starts empty, as it does.
    const total = before + 7;
    const expectedSizes = Array.from({ length: Math.ceil(total / 3) }, (_, i) =>
      Math.min(3, total - i * 3),
    );
    expect(pages.map((page) => page.length)).toEqual(expectedSizes);
    const ids = pages.flat().map((product) => product.id);
    expect(new Set(ids).size).toBe(total);
    expect(ids).toEqual([...ids].sort());
    expect(ids.slice(-7)).toEqual(created);
  });

  it("sends no next token on a last page that is exactly full", async () => {
    const total = await catalog.db.$count(products);
    const all = await catalog.client.listProducts({ pageSize: total });
    expect(all.products).toHaveLength(total);
    expect(all.nextPageToken).toBe("");

    const first = await catalog.client.listProducts({ pageSize: total - 1 });
    expect(first.nextPageToken).not.toBe("");
    const rest = await catalog.client.listProducts({
      pageSize: total - 1,
      pageToken: first.nextPageToken,
    });
    expect(rest.products.map((product) => product.id)).toEqual([all.products.at(-1)?.id]);
    expect(rest.nextPageToken).toBe("");
  });

  it("returns products exactly as GetProduct does", async () => {
    const { products: listed } = await catalog.client.listProducts({ pageSize: 1 });
    const [first] = listed;
    const { product } = await catalog.client.getProduct({ id: first?.id ?? "" });
    expect(first).toEqual(product);
  });

  it("uses a page size of 20 when page_size is 0", async () => {
    const existing = await catalog.db.$count(products);
    await createProducts(catalog, Math.max(0, 21 - existing));

    const page = await catalog.client.listProducts({ pageSize: 0 });

    expect(page.products).toHaveLength(20);
    expect(page.nextPageToken).not.toBe("");
  });

  it("resumes after the product a token names", async () => {
    const all = (await allPages(catalog, 100)).flat().map((product) => product.id);
    const token = encodePageToken(all[4] ?? "");
    const page = await catalog.client.listProducts({ pageSize: 2, pageToken: token });
    expect(page.products.map((product) => product.id)).toEqual(all.slice(5, 7));
  });

  it("answers InvalidArgument on page_size above 100 or below 0", async () => {
    for (const pageSize of [101, -1]) {
      const error = await listError(pageSize);
      expect(error.code).toBe(Code.InvalidArgument);
      expect(invalidFields(error)).toEqual(["page_size"]);
    }
  });

  it("accepts the largest page size", async () => {
    const page = await catalog.client.listProducts({ pageSize: 100 });
    expect(page.products).toHaveLength(await catalog.db.$count(products));
  });

  it("keeps to the products whose name contains the query, ignoring case, page after page", async () => {
    const tag = uniqueSku("TAG");
    const names = [`50% off ${tag}`, `50 off ${tag}`, `a_b ${tag}`, `axb ${tag}`, `other ${tag}`];
    const ids: string[] = [];
    for (const name of names) {
      const { product } = await catalog.client.createProduct({
        sku: uniqueSku("LIST"),
        name,
        price: { amountMinor: 100n, currency: "EUR" },
        initialStock: 1,
      });
      ids.push(product?.id ?? "");
    }
    await catalog.drain();

    const tagged = await catalog.client.listProducts({ pageSize: 2, query: tag.toLowerCase() });
    expect(tagged.products.map((product) => product.id)).toEqual(ids.slice(0, 2));
    const rest = await catalog.client.listProducts({
      pageSize: 10,
      query: tag.toLowerCase(),
      pageToken: tagged.nextPageToken,
    });
    expect(rest.products.map((product) => product.id)).toEqual(ids.slice(2));
    expect(rest.nextPageToken).toBe("");

    // `%` and `_` are text to find, not wildcards.
    for (const [query, expected] of [
      [`0% off ${tag}`, [ids[0]]],
      [`a_b ${tag}`, [ids[2]]],
    ] as const) {
      const page = await catalog.client.listProducts({ query });
      expect(page.products.map((product) => product.id)).toEqual(expected);
    }
  });

  it("answers InvalidArgument on page_token for a token it did not issue", async () => {
    const foreign = Buffer.from("v2:01890a5d-ac96-774b-bcce-b302099a8057").toString("base64url");
    for (const pageToken of ["garbage!", "djE6bm90LWEtdXVpZA", foreign]) {
      const error = await listError(10, pageToken);
      expect(error.code).toBe(Code.InvalidArgument);
      expect(invalidFields(error)).toEqual(["page_token"]);
    }
  });
});
