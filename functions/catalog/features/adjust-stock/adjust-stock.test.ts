import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type {
  AdjustStockRequest,
  AdjustStockRequestSchema,
} from "../../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { uniqueSku, useCatalog } from "../../testing.js";

// The plain-object form of a request, without the message class.
type AdjustInput = Exclude<MessageInitShape<typeof AdjustStockRequestSchema>, AdjustStockRequest>;

describe.each(databaseKinds)("AdjustStock on %s", (kind) => {
  const catalog = useCatalog(kind);

  async function newProduct(initialStock: number): Promise<string> {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("STOCK"),
      name: "Lamp",
      price: { amountMinor: 3_500n, currency: "EUR" },
      initialStock,
    });
    return product?.id ?? "";
  }

  const stockOf = async (id: string) => (await catalog.client.getProduct({ id })).product?.stock;
  const adjust = async (request: AdjustInput) =>
    (await catalog.client.adjustStock(request)).product;
  const failure = (request: AdjustInput) =>
    catalog.client.adjustStock(request).then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("adds and removes units", async () => {
    const id = await newProduct(2);
    expect((await adjust({ id, delta: 5, reason: "delivery" }))?.stock).toBe(7);
    expect((await adjust({ id, delta: -3, reason: "sold" }))?.stock).toBe(4);
    expect(await stockOf(id)).toBe(4);
  });

  it("takes the stock down to exactly zero", async () => {
    const id = await newProduct(3);
    expect((await adjust({ id, delta: -3 }))?.stock).toBe(0);
  });

  it("answers FailedPrecondition and keeps the stock when it would go below zero", async () => {
    const id = await newProduct(2);
    const error = await failure({ id, delta: -3 });
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(await stockOf(id)).toBe(2);
  });

  it("answers FailedPrecondition and keeps the stock when it would overflow", async () => {
    const id = await newProduct(2_000_000_000);
    const error = await failure({ id, delta: 1_000_000_000 });
    expect(error.code).toBe(Code.FailedPrecondition);
    expect(await stockOf(id)).toBe(2_000_000_000);
  });

  it("answers NotFound for an unknown id", async () => {
    const error = await failure({ id: "01890a5d-ac96-774b-bcce-b302099a8057", delta: 1 });
    expect(error.code).toBe(Code.NotFound);
  });

  it("answers InvalidArgument on delta for a zero delta", async () => {
    const id = await newProduct(1);
    const error = await failure({ id, delta: 0 });
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["delta"]);
    expect(await stockOf(id)).toBe(1);
  });

  it("lists every invalid field", async () => {
    const error = await failure({ id: "nope", delta: 1_000_000_001, reason: "r".repeat(201) });
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field).sort()).toEqual([
      "delta",
      "id",
      "reason",
    ]);
  });

  it("lets exactly as many concurrent removals succeed as there is stock", async () => {
    const id = await newProduct(10);

    const results = await Promise.allSettled(
      Array.from({ length: 25 }, () => catalog.client.adjustStock({ id, delta: -1 })),
    );

    const succeeded = results.filter((result) => result.status === "fulfilled");
    const codes = results.flatMap((result) =>
      result.status === "rejected" ? [ConnectError.from(result.reason).code] : [],
    );
    expect(succeeded).toHaveLength(10);
    expect(codes).toEqual(Array(15).fill(Code.FailedPrecondition));
    // Every success saw a distinct stock level on its way down: no lost updates.
    const seen = succeeded
      .map((result) => result.value.product?.stock)
      .sort((a, b) => (a ?? -1) - (b ?? -1));
    expect(seen).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await stockOf(id)).toBe(0);
  });
});
