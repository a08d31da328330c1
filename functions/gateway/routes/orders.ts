// REST routes for a customer's orders: thin translations to OrdersService calls, each made for
// the verified caller (the service shows and changes only the caller's own orders).
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { Hono, type MiddlewareHandler } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import type { OrdersService } from "../../gen/orders/v1/orders_pb.js";
import { callerValues } from "../../platform/auth/internal-credential.js";
import { uuidRule } from "../../platform/validation/rules.js";
import { type AuthEnv, type RequireScopes, verifiedCaller } from "../auth.js";
import {
  bodyFields,
  type FieldLocator,
  methodNotAllowed,
  parameterFields,
  problemFromRpcError,
  rethrowWithFields,
} from "../errors.js";
import { jsonResponse, problemResponses, securedRoute } from "../openapi-responses.js";
import { ProblemError } from "../problem.js";
import { jsonObject, pageQuery, validate } from "../validate.js";
import { OrderJson, OrderPageJson, orderSummaryToJson, orderToJson } from "./order-json.js";

const DEFAULT_PAGE_SIZE = 20;
const MAX_LINES = 50;
const MAX_QUANTITY = 1000;

/** The header's name as Hono's validator reads headers (lower case; HTTP/2 sends no other). */
const IDEMPOTENCY_KEY = "idempotency-key";

// The limits the proto states are checked here too, so the document shows them and a bad body
// fails before a call; the rules needing data (each product once and known, one currency) are
// the orders service's, whose violations come back with pointers into this body.
const PlaceOrderBody = jsonObject({
  lines: v.pipe(
    v.array(
      jsonObject({
        productId: uuidRule,
        quantity: v.pipe(
          v.number("must be a number"),
          v.integer("must be a whole number"),
          v.minValue(1, "must be at least 1"),
          v.maxValue(MAX_QUANTITY, `must be at most ${MAX_QUANTITY}`),
        ),
      }),
      "must be an array",
    ),
    v.minLength(1, "must have at least one line"),
    v.maxLength(MAX_LINES, `must have at most ${MAX_LINES} lines`),
    v.description("Each product at most once, all priced in one currency"),
  ),
  paymentToken: v.pipe(
    v.string("must be a string"),
    v.description("A payment method token from the payment provider"),
  ),
});

const PlaceOrderHeaders = v.object({
  [IDEMPOTENCY_KEY]: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^[\x21-\x7e]{1,255}$/, "must be 1-255 visible ASCII characters"),
      v.description(
        "Makes retrying safe: the same key with the same body within 24 hours answers the order the first request placed, as it is now (201, same Location), and places nothing; with another body, 422. Scoped to the caller; compared as sent, quotes included.",
      ),
    ),
  ),
});

const OrderIdParams = v.object({ id: uuidRule });

const ListOrdersQuery = v.object(pageQuery(DEFAULT_PAGE_SIZE));

/** Where PlaceOrder's fields sit in the REST request: the body, or the Idempotency-Key header. */
const placeOrderFields: FieldLocator = (field) => {
  if (field === "idempotency_key") return { parameter: IDEMPOTENCY_KEY };
  if (field === "") return { pointer: "#" };
  return bodyFields()(field);
};

function placeOrderError(error: unknown): never {
  if (error instanceof ConnectError) {
    if (error.code === Code.AlreadyExists) {
      throw new ProblemError(
        "idempotency-key-reused",
        "this Idempotency-Key was sent with another request body; use a new key for a new order",
      );
    }
    if (error.code === Code.NotFound) {
      // A product named in the body does not exist: the body is at fault, not the URL (a 404
      // on the collection would read as "no such route").
      const { errors } = problemFromRpcError(error, placeOrderFields);
      throw new ProblemError(
        "validation-failed",
        "the request is not valid",
        errors?.length ? errors : [{ pointer: "#/lines", detail: error.rawMessage }],
      );
    }
  }
  return rethrowWithFields(placeOrderFields)(error);
}

const idFields = rethrowWithFields(parameterFields({}));

/** Orders are personal: no shared cache may keep any answer about them. */
const noStore: MiddlewareHandler = async (c, next) => {
  await next();
  c.res.headers.set("cache-control", "no-store");
};

export interface OrderRouteOptions {
  /** Guards of a JSON request body (content type, size). */
  jsonBody: MiddlewareHandler;
  requireScopes: RequireScopes;
}

export function orderRoutes(
  orders: Client<typeof OrdersService>,
  { jsonBody, requireScopes }: OrderRouteOptions,
) {
  const tags = ["orders"];
  const read = requireScopes("orders:read");
  const write = requireScopes("orders:write");
  return new Hono<AuthEnv>()
    .use(noStore)
    .post(
      "/",
      describeRoute({
        tags,
        operationId: "placeOrder",
        summary: "Place an order",
        description:
          "Prices every line from the catalog and freezes the prices in the order, which starts `pending`; stock and payment then decide its outcome (poll `GET /v1/orders/{id}`). With an `Idempotency-Key`, a retry answers the order the first request placed, as it is now, and places nothing: 201 with its Location again (the first answer's status, as draft-ietf-httpapi-idempotency-key-header suggests). 400 also when a product does not exist (pointing at the line when known); 409 when the products are priced in different currencies or the total is too large; 422 when the key came with another body.",
        ...securedRoute(["orders:write"], {
          201: {
            ...jsonResponse("The order, pending", OrderJson),
            headers: {
              Location: {
                description: "The order's URL",
                schema: { type: "string" as const },
              },
            },
          },
          ...problemResponses(
            "validation-failed",
            "conflict",
            "payload-too-large",
            "unsupported-media-type",
            "idempotency-key-reused",
          ),
        }),
      }),
      write,
      validate("header", PlaceOrderHeaders),
      jsonBody,
      validate("json", PlaceOrderBody),
      async (c) => {
        const body = c.req.valid("json");
        const { order } = await orders
          .placeOrder(
            {
              lines: body.lines,
              paymentToken: body.paymentToken,
              idempotencyKey: c.req.valid("header")[IDEMPOTENCY_KEY] ?? "",
            },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(placeOrderError);
        const json = orderToJson(order);
        c.header("location", `/v1/orders/${json.id}`);
        return c.json(json, 201);
      },
    )
    .get(
      "/",
      describeRoute({
        tags,
        operationId: "listOrders",
        summary: "List your orders, newest first",
        description:
          "Served from a listing that follows changes within moments: an order just placed or changed may take a moment to show here (`GET /v1/orders/{id}` is immediate).",
        ...securedRoute(["orders:read"], {
          200: jsonResponse("A page of your orders", OrderPageJson),
          ...problemResponses("validation-failed"),
        }),
      }),
      read,
      validate("query", ListOrdersQuery),
      async (c) => {
        const query = c.req.valid("query");
        const page = await orders
          .listOrders(
            { pageSize: query.limit ?? DEFAULT_PAGE_SIZE, pageToken: query.cursor ?? "" },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(rethrowWithFields(parameterFields({ page_token: "cursor", page_size: "limit" })));
        return c.json({
          items: page.orders.map(orderSummaryToJson),
          nextCursor: page.nextPageToken || null,
        });
      },
    )
    .get(
      "/:id",
      describeRoute({
        tags,
        operationId: "getOrder",
        summary: "Get one of your orders",
        description: "404 for an order that is not yours, as for one that does not exist.",
        ...securedRoute(["orders:read"], {
          200: jsonResponse("The order", OrderJson),
          ...problemResponses("validation-failed", "not-found"),
        }),
      }),
      read,
      validate("param", OrderIdParams),
      async (c) => {
        const { order } = await orders
          .getOrder(
            { id: c.req.valid("param").id },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(idFields);
        return c.json(orderToJson(order));
      },
    )
    .post(
      "/:id/cancel",
      describeRoute({
        tags,
        operationId: "cancelOrder",
        summary: "Cancel one of your orders",
        description: `Before an outcome the order becomes \`cancelled\`; once confirmed, \`refund_pending\` and then \`refunded\`. 409 when it can no longer be cancelled: rejected, already cancelled, or refunding. Any request body is ignored.`,
        ...securedRoute(["orders:write"], {
          200: jsonResponse("The order after the cancellation", OrderJson),
          ...problemResponses("validation-failed", "not-found", "conflict"),
        }),
      }),
      write,
      validate("param", OrderIdParams),
      async (c) => {
        const { order } = await orders
          .cancelOrder(
            { id: c.req.valid("param").id },
            { contextValues: callerValues(verifiedCaller(c)) },
          )
          .catch(idFields);
        return c.json(orderToJson(order));
      },
    )
    .all("/", methodNotAllowed("GET, POST"))
    .all("/:id", methodNotAllowed("GET"))
    .all("/:id/cancel", methodNotAllowed("POST"));
}
