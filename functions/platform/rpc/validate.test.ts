import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import * as v from "valibot";
import { describe, expect, it } from "vitest";
import {
  CatalogService,
  GetProductRequestSchema,
  GetProductResponseSchema,
} from "../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../gen/rpc/v1/errors_pb.js";
import {
  assertEveryMethodHasRules,
  createValidationInterceptor,
  requestRules,
} from "./validate.js";

const rules = requestRules([
  [
    GetProductRequestSchema,
    v.object({
      id: v.pipe(v.string(), v.minLength(3, "too short"), v.regex(/^[a-z]+$/, "letters only")),
    }),
  ],
]);

function clientWith(handlerCalls: string[]) {
  const transport = createRouterTransport(
    (router) =>
      router.rpc(CatalogService.method.getProduct, async (req) => {
        handlerCalls.push(req.id);
        return create(GetProductResponseSchema, {});
      }),
    { router: { interceptors: [createValidationInterceptor(rules)] } },
  );
  return createClient(CatalogService, transport);
}

describe("createValidationInterceptor", () => {
  it("passes valid requests to the handler", async () => {
    const calls: string[] = [];
    await clientWith(calls).getProduct({ id: "abcdef" });
    expect(calls).toEqual(["abcdef"]);
  });

  it("rejects with InvalidArgument listing every violation, without calling the handler", async () => {
    const calls: string[] = [];
    const error = (await clientWith(calls)
      .getProduct({ id: "A" })
      .catch(ConnectError.from)) as ConnectError;
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(
      details?.fieldViolations.map((violation) => [violation.field, violation.description]),
    ).toEqual([
      ["id", "too short"],
      ["id", "letters only"],
    ]);
    expect(calls).toEqual([]);
  });

  it("fails closed when a method has no rules", async () => {
    const transport = createRouterTransport(
      (router) => router.rpc(CatalogService.method.listProducts, async () => ({ products: [] })),
      { router: { interceptors: [createValidationInterceptor(rules)] } },
    );
    const error = (await createClient(CatalogService, transport)
      .listProducts({})
      .catch(ConnectError.from)) as ConnectError;
    expect(error.code).toBe(Code.Internal);
  });
});

describe("assertEveryMethodHasRules", () => {
  it("names every method without rules", () => {
    expect(() => assertEveryMethodHasRules([CatalogService], rules)).toThrow(
      /CreateProduct.*ListProducts.*UpdateProduct.*AdjustStock/,
    );
  });
});
