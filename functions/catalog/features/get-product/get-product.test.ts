import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { uniqueSku, useCatalog } from "../../testing.js";

describe.each(databaseKinds)("GetProduct on %s", (kind) => {
  const catalog = useCatalog(kind);

  it("returns the product as created", async () => {
    const sku = uniqueSku();
    const { product: created } = await catalog.client.createProduct({
      sku,
      name: "Teapot",
      description: "Cast iron",
      price: { amountMinor: 4500n, currency: "JPY" },
      initialStock: 3,
    });
    const { product } = await catalog.client.getProduct({ id: created?.id ?? "" });
    expect(product).toEqual(created);
    expect(product?.price).toMatchObject({ amountMinor: 4500n, currency: "JPY" });
  });

  it("answers NotFound for an unknown id", async () => {
    const error = await catalog.client
      .getProduct({ id: "01890a5d-ac96-774b-bcce-b302099a8057" })
      .catch(ConnectError.from);
    expect(error).toBeInstanceOf(ConnectError);
    expect((error as ConnectError).code).toBe(Code.NotFound);
  });

  it("answers InvalidArgument naming the field for an id that is not a UUID", async () => {
    const error = (await catalog.client
      .getProduct({ id: "42; drop table catalog.products" })
      .catch(ConnectError.from)) as ConnectError;
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["id"]);
  });
});
