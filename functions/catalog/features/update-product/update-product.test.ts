import { setTimeout as sleep } from "node:timers/promises";
import type { MessageInitShape } from "@bufbuild/protobuf";
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import type {
  Product,
  UpdateProductRequest,
  UpdateProductRequestSchema,
} from "../../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { uniqueSku, useCatalog } from "../../testing.js";

// The plain-object form of a request, without the message class.
type UpdateInput = Exclude<
  MessageInitShape<typeof UpdateProductRequestSchema>,
  UpdateProductRequest
>;

function updateMillis(product: Product | undefined): number {
  if (!product?.updateTime) throw new Error("product without update_time");
  return timestampDate(product.updateTime).getTime();
}

describe.each(databaseKinds)("UpdateProduct on %s", (kind) => {
  const catalog = useCatalog(kind);

  async function newProduct(): Promise<Product> {
    const { product } = await catalog.client.createProduct({
      sku: uniqueSku("UPD"),
      name: "Chair",
      description: "Oak",
      price: { amountMinor: 15_000n, currency: "EUR" },
      initialStock: 4,
    });
    if (!product) throw new Error("CreateProduct returned no product");
    return product;
  }

  const update = async (request: UpdateInput) =>
    (await catalog.client.updateProduct(request)).product;
  const failure = (request: UpdateInput) =>
    catalog.client.updateProduct(request).then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("changes only the name when only the name is set, and moves update_time on", async () => {
    const created = await newProduct();
    // Timestamps carry milliseconds: wait a little so a later update_time is visible.
    await sleep(10);

    const updated = await update({ id: created.id, name: "  Armchair " });

    expect(updated).toEqual({
      ...created,
      name: "Armchair",
      updateTime: updated?.updateTime,
      revision: created.revision + 1,
    });
    expect(updated?.createTime).toEqual(created.createTime);
    expect(updateMillis(updated)).toBeGreaterThan(updateMillis(created));
    const { product: stored } = await catalog.client.getProduct({ id: created.id });
    expect(stored).toEqual(updated);
  });

  it("changes the price and keeps name, description and stock", async () => {
    const created = await newProduct();
    const updated = await update({
      id: created.id,
      price: { amountMinor: 9_900n, currency: "GBP" },
    });
    expect(updated?.price).toMatchObject({ amountMinor: 9_900n, currency: "GBP" });
    expect(updated).toMatchObject({
      name: "Chair",
      description: "Oak",
      stock: 4,
      sku: created.sku,
    });
  });

  it("clears the description when it is set to an empty string", async () => {
    const created = await newProduct();
    const updated = await update({ id: created.id, description: "" });
    expect(updated).toMatchObject({ name: "Chair", description: "" });
  });

  it("answers InvalidArgument when no field to change is set", async () => {
    const created = await newProduct();
    const error = await failure({ id: created.id });
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    // A rule about the request as a whole has an empty field path.
    expect(details?.fieldViolations.map((violation) => violation.field)).toEqual([""]);
    const { product } = await catalog.client.getProduct({ id: created.id });
    expect(product).toEqual(created);
  });

  it("answers NotFound for an unknown id", async () => {
    const error = await failure({ id: "01890a5d-ac96-774b-bcce-b302099a8057", name: "Ghost" });
    expect(error.code).toBe(Code.NotFound);
  });

  it("lists every invalid field and changes nothing", async () => {
    const created = await newProduct();
    const error = await failure({
      id: "not-a-uuid",
      name: " ",
      description: "d".repeat(4001),
      price: { amountMinor: -5n, currency: "eur" },
    });
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field).sort()).toEqual([
      "description",
      "id",
      "name",
      "price.amount_minor",
      "price.currency",
    ]);

    const blankName = await failure({ id: created.id, name: "   " });
    expect(blankName.code).toBe(Code.InvalidArgument);
    const { product } = await catalog.client.getProduct({ id: created.id });
    expect(product).toEqual(created);
  });
});
