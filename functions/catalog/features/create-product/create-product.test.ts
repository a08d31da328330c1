import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type {
  CreateProductRequest,
  CreateProductRequestSchema,
} from "../../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { products } from "../../db/schema.js";
import { uniqueSku, useCatalog } from "../../testing.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// The plain-object form of a request, without the message class.
type CreateInput = Exclude<
  MessageInitShape<typeof CreateProductRequestSchema>,
  CreateProductRequest
>;

function validRequest(overrides: CreateInput = {}): CreateInput {
  return {
    sku: uniqueSku(),
    name: "Kettle",
    description: "Stainless steel, 1.7 l",
    price: { amountMinor: 2999n, currency: "EUR" },
    initialStock: 12,
    ...overrides,
  };
}

function violatedFields(error: ConnectError): string[] {
  const [details] = error.findDetails(BadRequestSchema);
  return (details?.fieldViolations.map((violation) => violation.field) ?? []).sort();
}

describe.each(databaseKinds)("CreateProduct on %s", (kind) => {
  const catalog = useCatalog(kind);

  const create = (request: CreateInput) => catalog.client.createProduct(request);
  const failure = (request: CreateInput) =>
    create(request).then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("returns the new product with a UUIDv7 id and equal create and update times", async () => {
    const request = validRequest();
    const before = Date.now();
    const { product } = await create(request);

    expect(product?.id).toMatch(UUID_V7);
    // The first 48 bits of a UUIDv7 are its creation time in Unix milliseconds.
    const idTime = Number.parseInt(product?.id.replaceAll("-", "").slice(0, 12) ?? "", 16);
    expect(Math.abs(idTime - before)).toBeLessThan(60_000);
    expect(product).toMatchObject({
      sku: request.sku,
      name: "Kettle",
      description: "Stainless steel, 1.7 l",
      price: { amountMinor: 2999n, currency: "EUR" },
      stock: 12,
    });
    expect(product?.createTime).toBeDefined();
    expect(product?.updateTime).toEqual(product?.createTime);
  });

  it("gives each product a different id", async () => {
    const [{ product: first }, { product: second }] = await Promise.all([
      create(validRequest()),
      create(validRequest()),
    ]);
    expect(first?.id).not.toEqual(second?.id);
  });

  it("stores the name trimmed", async () => {
    const { product } = await create(validRequest({ name: "  Mug \t" }));
    expect(product?.name).toBe("Mug");
    const { product: stored } = await catalog.client.getProduct({ id: product?.id ?? "" });
    expect(stored?.name).toBe("Mug");
  });

  it("accepts the largest allowed amount and keeps it exact", async () => {
    const amountMinor = BigInt(Number.MAX_SAFE_INTEGER);
    const { product } = await create(validRequest({ price: { amountMinor, currency: "USD" } }));
    const { product: stored } = await catalog.client.getProduct({ id: product?.id ?? "" });
    expect(stored?.price?.amountMinor).toBe(amountMinor);
  });

  it("answers AlreadyExists for a SKU that is taken", async () => {
    const sku = uniqueSku();
    await create(validRequest({ sku }));
    const error = await failure(validRequest({ sku }));
    expect(error.code).toBe(Code.AlreadyExists);
  });

  it("answers AlreadyExists for a SKU that differs only in case", async () => {
    const sku = uniqueSku("abc").toLowerCase();
    await create(validRequest({ sku }));
    const error = await failure(validRequest({ sku: sku.toUpperCase() }));
    expect(error.code).toBe(Code.AlreadyExists);
  });

  it("lists every broken rule at once as proto field paths", async () => {
    const error = await failure({
      sku: "-starts-with-a-dash",
      name: "   ",
      description: "",
      price: { amountMinor: -1n, currency: "usd" },
      initialStock: -1,
    });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(violatedFields(error)).toEqual([
      "initial_stock",
      "name",
      "price.amount_minor",
      "price.currency",
      "sku",
    ]);
  });

  it("rejects a currency that is not an upper-case ISO 4217 code", async () => {
    for (const currency of ["XYZ", "eur", "", "EURO"]) {
      const error = await failure(validRequest({ price: { amountMinor: 1n, currency } }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(violatedFields(error)).toEqual(["price.currency"]);
    }
  });

  it("refuses a name of only whitespace or invisible characters", async () => {
    for (const name of ["   ", "\u200b", "\u200b \u2060"]) {
      const error = await failure(validRequest({ name }));
      expect(error.code).toBe(Code.InvalidArgument);
      expect(violatedFields(error)).toEqual(["name"]);
    }
    const { product } = await catalog.client.createProduct(validRequest({ name: "Zürich 2" }));
    expect(product?.name).toBe("Zürich 2");
  });

  it("answers InvalidArgument on price when the price is missing", async () => {
    const error = await failure(validRequest({ price: undefined }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(violatedFields(error)).toEqual(["price"]);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations[0]?.description).toBe("is required");
  });

  it("lists a missing price together with the other failing fields", async () => {
    const error = await failure(validRequest({ sku: "", price: undefined }));
    expect(violatedFields(error)).toEqual(["price", "sku"]);
  });

  it("rejects an amount above Number.MAX_SAFE_INTEGER", async () => {
    const amountMinor = BigInt(Number.MAX_SAFE_INTEGER) + 1n;
    const error = await failure(validRequest({ price: { amountMinor, currency: "USD" } }));
    expect(error.code).toBe(Code.InvalidArgument);
    expect(violatedFields(error)).toEqual(["price.amount_minor"]);
  });

  it("rejects names, descriptions and SKUs that are too long", async () => {
    const error = await failure(
      validRequest({ sku: "A".repeat(65), name: "n".repeat(201), description: "d".repeat(4001) }),
    );
    expect(violatedFields(error)).toEqual(["description", "name", "sku"]);
  });

  it("writes nothing when the request is invalid", async () => {
    const before = await catalog.db.$count(products);
    const sku = uniqueSku();
    await failure(validRequest({ sku, initialStock: -5 }));
    await failure(validRequest({ sku, price: { amountMinor: 1n, currency: "usd" } }));
    expect(await catalog.db.$count(products)).toBe(before);
    // The SKU stays free: nothing half-written claims it.
    const { product } = await create(validRequest({ sku }));
    expect(product?.sku).toBe(sku);
  });
});
