/**
 * Guards of every route that reads a body, applied per route so that an unknown route answers
 * 404 (or 405) whatever its body: the body must be JSON in UTF-8 (else 415) and at most the
 * configured size (else 413).
 *
 * @example
 * const body = jsonBody(64 * 1024);
 * routes.post("/", body, validate("json", Schema), handler);
 */
import type { MiddlewareHandler } from "hono";
import { bodyLimit } from "hono/body-limit";
import { every } from "hono/combine";
import { ProblemError, problemResponse } from "./problem.js";

// The same media types Hono's validator reads as JSON: a body we accept is a body it parses.
const JSON_MEDIA_TYPE = /^application\/([\w.-]+\+)?json$/;

export function jsonBody(limitBytes: number): MiddlewareHandler {
  return every(
    requireJson,
    bodyLimit({
      maxSize: limitBytes,
      onError: (c) =>
        problemResponse(
          new ProblemError("payload-too-large", `the request body is over ${limitBytes} bytes`),
          c.req.path,
        ),
    }),
  );
}

const requireJson: MiddlewareHandler = async (c, next) => {
  const contentType = c.req.header("content-type") ?? "";
  const [mediaType = "", ...parameters] = contentType.split(";").map((part) => part.trim());
  if (!JSON_MEDIA_TYPE.test(mediaType.toLowerCase())) {
    throw new ProblemError(
      "unsupported-media-type",
      contentType
        ? `content type ${mediaType} is not supported; send application/json`
        : "the request has no content type; send application/json",
    );
  }
  // JSON is UTF-8 (RFC 8259); reading another charset as UTF-8 would garble the text.
  const charset = parameters
    .map((parameter) => parameter.split("="))
    .find(([name]) => name?.trim().toLowerCase() === "charset")?.[1]
    ?.trim()
    .replace(/^"|"$/g, "")
    .toLowerCase();
  if (charset && charset !== "utf-8" && charset !== "utf8") {
    throw new ProblemError(
      "unsupported-media-type",
      `charset ${charset} is not supported; send UTF-8`,
    );
  }
  if (c.req.header("content-encoding") && c.req.header("content-encoding") !== "identity") {
    throw new ProblemError("unsupported-media-type", "compressed request bodies are not supported");
  }
  await next();
};
