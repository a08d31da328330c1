// /openapi.json (OpenAPI 3.1, generated from the same valibot schemas that validate requests)
// and an interactive reference at /docs.
import { Scalar } from "@scalar/hono-api-reference";
import type { Hono } from "hono";
import { openAPIRouteHandler } from "hono-openapi";

export function mountApiDocs(app: Hono, version: string): void {
  app.get(
    "/openapi.json",
    openAPIRouteHandler(app, {
      documentation: {
        openapi: "3.1.0",
        info: {
          title: "slipway API",
          version,
          description:
            "The public REST API of slipway. Errors are RFC 9457 problem details (`application/problem+json`).",
        },
        tags: [{ name: "products", description: "The product catalog" }],
      },
      exclude: ["/openapi.json", "/docs", /^\/health\//],
      // Our validator answers problem+json, which every route declares itself; the built-in
      // 400 would describe hono-openapi's own error body instead.
      defaultValidationErrorResponse: false,
    }),
  );
  app.get("/docs", Scalar({ url: "/openapi.json", pageTitle: "slipway API" }));
}
