/**
 * Test fixtures for the fast path: a catalog-shaped app on `mountConnect` with slipway's real
 * server interceptors (errors, internal credentials, validation) and a canned GetProduct whose
 * product id picks a behaviour: success, an error with details and metadata, a wait for the
 * deadline, a header and trailer echo, a crash. For tests only.
 *
 * @example
 * const stock = createCannedCatalogApp({ fastUnary: false });
 * const fast = createCannedCatalogApp({ fastUnary: true });
 * const credential = await cannedCredential();
 */
import type { MessageInitShape } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  type ConnectRouter,
  type HandlerContext,
  type Interceptor,
} from "@connectrpc/connect";
import { Hono } from "hono";
import * as v from "valibot";
import {
  CatalogService,
  GetProductRequestSchema,
  type GetProductResponseSchema,
} from "../../../gen/catalog/v1/catalog_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import {
  CREDENTIAL_HEADER,
  createCredentialCheck,
  methodPolicy,
  mintCredential,
} from "../../auth/internal-credential.js";
import { createLogger } from "../../logger.js";
import { uuidRule } from "../../validation/rules.js";
import { createErrorInterceptor } from "../errors.js";
import { mountConnect } from "../serve.js";
import { createValidationInterceptor, requestRules } from "../validate.js";

export const GET_PRODUCT = "/slipway.catalog.v1.CatalogService/GetProduct";
export const SECRET = "a-test-secret-of-enough-length-for-hs256";

/** Product ids that pick what the canned GetProduct does. */
export const ids = {
  found: "018f4e9a-7c1d-7000-8000-000000000001",
  /** NotFound, with a BadRequest detail and `x-why` metadata. */
  missing: "018f4e9a-7c1d-7000-8000-000000000002",
  /** Waits until the call's signal aborts (the deadline), then fails with its reason. */
  slow: "018f4e9a-7c1d-7000-8000-000000000003",
  /** Sleeps 50 ms without looking at its signal, then fails with its reason if it aborted. */
  lateReader: "018f4e9a-7c1d-7000-8000-000000000009",
  /** Echoes `x-echo` as a response header and `x-echo-trailer` as a trailer. */
  echo: "018f4e9a-7c1d-7000-8000-000000000004",
  /** Throws a plain Error: the error interceptor answers `internal`. */
  crash: "018f4e9a-7c1d-7000-8000-000000000005",
  /** An internal ConnectError reading like a bad request body, which serve.ts blames on callers. */
  parseLike: "018f4e9a-7c1d-7000-8000-000000000006",
  /** Succeeds, keeping its context in `stashedContexts` without reading the signal. */
  stash: "018f4e9a-7c1d-7000-8000-000000000007",
  /** Fails like `missing`, keeping its context in `stashedContexts` without reading the signal. */
  stashAndFail: "018f4e9a-7c1d-7000-8000-000000000008",
} as const;

/** Contexts of the calls `ids.stash` and `ids.stashAndFail` made, to look at after the call. */
export const stashedContexts: HandlerContext[] = [];

/** Set on every answer by the canned implementation: which path served the call. */
export const SERVED_BY = "x-served-by";

export function cannedCredential(): Promise<string> {
  return mintCredential({
    secret: SECRET,
    from: "tests",
    to: "catalog",
    caller: { subject: "tests", scopes: new Set() },
  });
}

export { CREDENTIAL_HEADER };

type GetProductAnswer = MessageInitShape<typeof GetProductResponseSchema>;

async function getProduct(req: { id: string }, context: HandlerContext): Promise<GetProductAnswer> {
  // The fast path's context makes its signal on first read; the stock one holds it as a field.
  const lazy = Object.getOwnPropertyDescriptor(context, "signal")?.get !== undefined;
  context.responseHeader.set(SERVED_BY, lazy ? "fast" : "stock");
  switch (req.id) {
    case ids.stash:
      stashedContexts.push(context);
      break;
    case ids.stashAndFail:
      stashedContexts.push(context);
      throw new ConnectError("no such product", Code.NotFound);
    case ids.missing:
      throw new ConnectError("no such product", Code.NotFound, { "x-why": "canned" }, [
        {
          desc: BadRequestSchema,
          value: { fieldViolations: [{ field: "id", description: "unknown" }] },
        },
      ]);
    case ids.slow:
      await new Promise((resolve) => {
        const timer = setTimeout(resolve, 5_000);
        context.signal.addEventListener("abort", () => {
          clearTimeout(timer);
          resolve(undefined);
        });
      });
      throw context.signal.reason;
    case ids.lateReader:
      await new Promise((resolve) => setTimeout(resolve, 50));
      if (context.signal.aborted) throw context.signal.reason;
      break;
    case ids.echo:
      context.responseHeader.set("x-echo", context.requestHeader.get("x-echo") ?? "");
      context.responseTrailer.set("x-echo-trailer", context.requestHeader.get("x-echo") ?? "");
      break;
    case ids.crash:
      throw new Error("database on fire");
    case ids.parseLike:
      throw new ConnectError("parse binary: premature EOF", Code.Internal);
  }
  return {
    product: {
      id: req.id,
      sku: "SKU-1",
      name: "Canned product",
      description: "Always the same",
      price: { amountMinor: 1999n, currency: "EUR" },
    },
  };
}

export interface CannedAppOptions {
  fastUnary: boolean;
  readMaxBytes?: number;
}

export function createCannedCatalogApp({ fastUnary, readMaxBytes }: CannedAppOptions): Hono {
  const app = new Hono();
  mountConnect(app, cannedRoutes, { fastUnary, readMaxBytes, interceptors: cannedInterceptors() });
  return app;
}

/** The canned service, for a router of one's own (the connect-node adapter, say). */
export function cannedRoutes(router: ConnectRouter): void {
  router.service(CatalogService, { getProduct });
}

/** slipway's server interceptors as a service installs them, after `mountConnect`'s tracing. */
export function cannedInterceptors(): Interceptor[] {
  return [
    createErrorInterceptor(createLogger("tests", "SILENT")),
    createCredentialCheck({
      secret: SECRET,
      service: "catalog",
      policy: methodPolicy(CatalogService, {
        createProduct: [],
        getProduct: [],
        listProducts: [],
        updateProduct: [],
        adjustStock: [],
      }),
    }),
    createValidationInterceptor(
      requestRules([[GetProductRequestSchema, v.object({ id: uuidRule })]]),
    ),
  ];
}
