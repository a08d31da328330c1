/**
 * Wraps a Hono app (REST or Connect routes) as an AWS Lambda handler for API Gateway v2 and
 * function URL events.
 *
 * Hono's default treats every `+json` content type as text, which corrupts Connect's enveloped
 * streaming frames (`application/connect+json`) and gRPC-web; those are binary here.
 *
 * Each invocation's metrics are published (CloudWatch EMF) and its spans flushed when it ends.
 *
 * @example
 * export const handler = lambdaHandler(app);
 */
import type { Hono } from "hono";
// `hono/aws-lambda` is marked deprecated in favour of a separate package that is not
// published yet; this module is the one place to switch when it is.
import { defaultIsContentTypeBinary, handle } from "hono/aws-lambda";
import { flushedAfterEachInvocation } from "./invocation.js";

// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env and routes.
export function lambdaHandler(app: Hono<any, any, any>) {
  return flushedAfterEachInvocation(handle(app, { isContentTypeBinary }));
}

export function isContentTypeBinary(contentType: string): boolean {
  if (/^application\/(connect\+|grpc)/i.test(contentType)) return true;
  return defaultIsContentTypeBinary(contentType);
}
