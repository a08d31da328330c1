// Composition root of the gateway: the public REST API in front of the services.
import type { Client } from "@connectrpc/connect";
import { Hono, type MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { CatalogService } from "../gen/catalog/v1/catalog_pb.js";
import type { Logger } from "../platform/logger.js";
import { createErrorHandler, notFoundHandler } from "./errors.js";
import { mountApiDocs } from "./openapi.js";
import { ProblemError, problemResponse } from "./problem.js";
import { productRoutes } from "./routes/products.js";

export const SERVICE_NAME = "gateway";
const API_VERSION = "1.0.0";

export interface GatewayDeps {
  catalog: Client<typeof CatalogService>;
  logger: Logger;
  bodyLimitBytes: number;
}

export function createGatewayApp({ catalog, logger, bodyLimitBytes }: GatewayDeps): Hono {
  const app = new Hono();
  app.onError(createErrorHandler(logger));
  app.notFound(notFoundHandler);
  app.get("/health/live", (c) => c.json({ status: "ok" }));

  app.use(
    "/v1/*",
    bodyLimit({
      maxSize: bodyLimitBytes,
      onError: (c) =>
        problemResponse(
          new ProblemError("payload-too-large", `the request body is over ${bodyLimitBytes} bytes`),
          c.req.path,
        ),
    }),
    requireJsonBody,
  );
  app.route("/v1/products", productRoutes(catalog));
  mountApiDocs(app, API_VERSION);
  return app;
}

// The same media types Hono's validator reads as JSON: a body we accept is a body it parses.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

/** Requests that carry a body must say it is JSON; anything else is 415, not a parse error. */
const requireJsonBody: MiddlewareHandler = async (c, next) => {
  if (["POST", "PUT", "PATCH"].includes(c.req.method)) {
    const contentType = c.req.header("content-type") ?? "";
    const mediaType = contentType.split(";")[0]?.trim().toLowerCase() ?? "";
    if (!JSON_MEDIA_TYPE.test(mediaType)) {
      throw new ProblemError(
        "unsupported-media-type",
        contentType
          ? `content type ${contentType} is not supported; send application/json`
          : "the request has no content type; send application/json",
      );
    }
  }
  await next();
};
