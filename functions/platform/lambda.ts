/**
 * Wraps a Hono app (REST or Connect routes) as an AWS Lambda handler for API Gateway v2 and
 * function URL events.
 *
 * Hono's default treats every `+json` content type as text, which corrupts Connect's enveloped
 * streaming frames (`application/connect+json`) and gRPC-web; those are binary here.
 *
 * Each invocation's metrics are published (CloudWatch EMF) and its spans flushed when it ends.
 *
 * Behind an IAM-auth function URL the Authorization header holds the caller's SigV4 signature
 * (already checked by Lambda); a header the caller itself was given to pass on arrives as
 * X-Forwarded-Authorization (rpc/sigv4-fetch.ts) and is put back as Authorization here. Anywhere
 * else X-Forwarded-Authorization is dropped: only a signed caller may set it.
 *
 * @example
 * export const handler = lambdaHandler(app);
 */
import type { Hono } from "hono";
// `hono/aws-lambda` is marked deprecated in favour of a separate package that is not
// published yet; this module is the one place to switch when it is.
import { defaultIsContentTypeBinary, handle } from "hono/aws-lambda";
import { flushedAfterEachInvocation } from "./invocation.js";
import { FORWARDED_AUTHORIZATION } from "./rpc/sigv4-fetch.js";

// biome-ignore lint/suspicious/noExplicitAny: any Hono app, whatever its env and routes.
export function lambdaHandler(app: Hono<any, any, any>) {
  const handleRequest = handle(app, { isContentTypeBinary });
  type Event = Parameters<typeof handleRequest>[0];
  return flushedAfterEachInvocation((event: Event, context: Parameters<typeof handleRequest>[1]) =>
    handleRequest(withForwardedAuthorization(event as HttpEvent) as Event, context),
  );
}

interface HttpEvent {
  headers?: Record<string, string | undefined>;
  requestContext?: unknown;
}

function withForwardedAuthorization<Event extends HttpEvent>(event: Event): Event {
  const forwarded = event.headers?.[FORWARDED_AUTHORIZATION];
  if (forwarded === undefined) return event;
  const { [FORWARDED_AUTHORIZATION]: _, ...others } = event.headers ?? {};
  return {
    ...event,
    headers: isIamAuthorized(event) ? { ...others, authorization: forwarded } : others,
  };
}

function isIamAuthorized(event: HttpEvent): boolean {
  const context = event.requestContext as { authorizer?: { iam?: unknown } } | undefined;
  return typeof context?.authorizer?.iam === "object" && context.authorizer.iam !== null;
}

export function isContentTypeBinary(contentType: string): boolean {
  if (/^application\/(connect\+|grpc)/i.test(contentType)) return true;
  return defaultIsContentTypeBinary(contentType);
}
