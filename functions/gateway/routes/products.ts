// REST routes for products: thin translations to CatalogService calls.
import type { Client } from "@connectrpc/connect";
import { Hono, type MiddlewareHandler } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import type { CatalogService } from "../../gen/catalog/v1/catalog_pb.js";
import { callerValues } from "../../platform/auth/internal-credential.js";
import { int32Rule } from "../../platform/validation/rules.js";
import { type AuthEnv, type RequireScopes, verifiedCaller } from "../auth.js";
import { bodyFields, methodNotAllowed, parameterFields, rethrowWithFields } from "../errors.js";
import { jsonResponse, problemResponses, publicRoute, securedRoute } from "../openapi-responses.js";
import { jsonObject, pageQuery, validate } from "../validate.js";
import {
  MoneyJson,
  ProductIdParams,
  ProductJson,
  ProductPageJson,
  productToJson,
} from "./product-json.js";

const DEFAULT_PAGE_SIZE = 20;

const text = v.string("must be a string");

const CreateProductBody = jsonObject({
  sku: v.pipe(text, v.description("Stock keeping unit, unique in the catalog")),
  name: text,
  description: v.optional(text, ""),
  price: MoneyJson,
  stock: v.optional(v.pipe(int32Rule, v.minValue(0, "must not be negative")), 0),
});

const UpdateProductBody = v.pipe(
  jsonObject({
    name: v.optional(text),
    description: v.optional(text),
    price: v.optional(MoneyJson),
  }),
  v.check(
    (body) => Object.values(body).some((value) => value !== undefined),
    "set at least one of name, description, price",
  ),
);

const AdjustStockBody = jsonObject({
  delta: v.pipe(int32Rule, v.description("Units to add (positive) or remove (negative); not zero")),
  reason: v.optional(text, ""),
});

const ListProductsQuery = v.object({
  q: v.optional(
    v.pipe(
      v.string("must be given once"),
      v.maxLength(200, "must be at most 200 characters"),
      v.description("Only products whose name contains this text, ignoring case"),
    ),
  ),
  ...pageQuery(DEFAULT_PAGE_SIZE),
});

// The catalog's request field names where they differ from this API's JSON.
const productBodyFields = rethrowWithFields(bodyFields({ initial_stock: "stock" }));

export interface ProductRouteOptions {
  /** Guards of a JSON request body (content type, size). */
  jsonBody: MiddlewareHandler;
  requireScopes: RequireScopes;
}

export function productRoutes(
  catalog: Client<typeof CatalogService>,
  { jsonBody, requireScopes }: ProductRouteOptions,
) {
  const tags = ["products"];
  // Browsing is public; changing the catalog is for its admins. Checked before the body is
  // read, so a caller without the scope learns nothing about the rules.
  const admin = requireScopes("catalog:write");
  return new Hono<AuthEnv>()
    .post(
      "/",
      describeRoute({
        tags,
        operationId: "createProduct",
        summary: "Create a product",
        ...securedRoute(["catalog:write"], {
          201: jsonResponse("The new product", ProductJson),
          ...problemResponses(
            "validation-failed",
            "conflict",
            "payload-too-large",
            "unsupported-media-type",
          ),
        }),
      }),
      admin,
      jsonBody,
      validate("json", CreateProductBody),
      async (c) => {
        const body = c.req.valid("json");
        const { product } = await catalog
          .createProduct(
            {
              sku: body.sku,
              name: body.name,
              description: body.description,
              price: { amountMinor: BigInt(body.price.amountMinor), currency: body.price.currency },
              initialStock: body.stock,
            },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(productBodyFields);
        const json = productToJson(product);
        c.header("location", `/v1/products/${json.id}`);
        return c.json(json, 201);
      },
    )
    .get(
      "/",
      describeRoute({
        tags,
        operationId: "listProducts",
        summary: "List products, oldest first",
        description:
          "Served from a listing that follows changes within moments: a product just created or changed may take a moment to show here (GET /v1/products/{id} is immediate).",
        ...publicRoute(),
        responses: {
          200: jsonResponse("A page of products", ProductPageJson),
          ...problemResponses("validation-failed"),
        },
      }),
      validate("query", ListProductsQuery),
      async (c) => {
        const query = c.req.valid("query");
        const page = await catalog
          .listProducts({
            pageSize: query.limit ?? DEFAULT_PAGE_SIZE,
            pageToken: query.cursor ?? "",
          })
          .catch(
            rethrowWithFields(
              parameterFields({ page_token: "cursor", page_size: "limit", query: "q" }),
            ),
          );
        return c.json({
          items: page.products.map(productToJson),
          nextCursor: page.nextPageToken || null,
        });
      },
    )
    .get(
      "/:id",
      describeRoute({
        tags,
        operationId: "getProduct",
        summary: "Get a product",
        ...publicRoute(),
        responses: {
          200: jsonResponse("The product", ProductJson),
          ...problemResponses("validation-failed", "not-found"),
        },
      }),
      validate("param", ProductIdParams),
      async (c) => {
        const { product } = await catalog.getProduct({ id: c.req.valid("param").id });
        return c.json(productToJson(product));
      },
    )
    .patch(
      "/:id",
      describeRoute({
        tags,
        operationId: "updateProduct",
        summary: "Change a product's name, description or price",
        ...securedRoute(["catalog:write"], {
          200: jsonResponse("The product after the change", ProductJson),
          ...problemResponses(
            "validation-failed",
            "not-found",
            "payload-too-large",
            "unsupported-media-type",
          ),
        }),
      }),
      admin,
      validate("param", ProductIdParams),
      jsonBody,
      validate("json", UpdateProductBody),
      async (c) => {
        const body = c.req.valid("json");
        const { product } = await catalog
          .updateProduct(
            {
              id: c.req.valid("param").id,
              name: body.name,
              description: body.description,
              price: body.price && {
                amountMinor: BigInt(body.price.amountMinor),
                currency: body.price.currency,
              },
            },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(productBodyFields);
        return c.json(productToJson(product));
      },
    )
    .post(
      "/:id/stock",
      describeRoute({
        tags,
        operationId: "adjustStock",
        summary: "Add or remove stock",
        description: "Fails with 409 when stock would go below zero.",
        ...securedRoute(["catalog:write"], {
          200: jsonResponse("The product after the adjustment", ProductJson),
          ...problemResponses(
            "validation-failed",
            "not-found",
            "conflict",
            "payload-too-large",
            "unsupported-media-type",
          ),
        }),
      }),
      admin,
      validate("param", ProductIdParams),
      jsonBody,
      validate("json", AdjustStockBody),
      async (c) => {
        const body = c.req.valid("json");
        const { product } = await catalog
          .adjustStock(
            { id: c.req.valid("param").id, delta: body.delta, reason: body.reason },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(productBodyFields);
        return c.json(productToJson(product));
      },
    )
    .all("/", methodNotAllowed("GET, POST"))
    .all("/:id", methodNotAllowed("GET, PATCH"))
    .all("/:id/stock", methodNotAllowed("POST"));
}
