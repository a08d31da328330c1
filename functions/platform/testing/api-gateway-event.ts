/**
 * Builds API Gateway v2 (HTTP API, payload format 2.0) events as AWS sends them to a Lambda
 * behind the `$default` route or a function URL, for driving `lambda.ts` entry points in tests.
 * Binary bodies are base64-encoded with `isBase64Encoded: true`, as API Gateway does.
 *
 * @example
 * const event = apiGatewayEvent({ method: "POST", path: "/v1/products", json: { sku: "A-1" } });
 * const result = await handler(event, lambdaContext());
 */
import { randomUUID } from "node:crypto";
import type { APIGatewayProxyEventV2, Context } from "aws-lambda";

export interface EventInput {
  method: string;
  /** Path with an optional query string: `/v1/products?limit=5`. */
  path: string;
  headers?: Record<string, string>;
  /** A JSON body (sent as text with content-type application/json unless one is given). */
  json?: unknown;
  /** A text body, sent as is. */
  text?: string;
  /** A binary body, sent base64-encoded. */
  binary?: Uint8Array;
}

export function apiGatewayEvent(input: EventInput): APIGatewayProxyEventV2 {
  const [rawPath = "/", rawQueryString = ""] = input.path.split("?", 2);
  const headers: Record<string, string> = {
    accept: "*/*",
    host: "abc123.execute-api.eu-west-1.amazonaws.com",
    "user-agent": "slipway-tests",
    "x-forwarded-for": "203.0.113.7",
    "x-forwarded-port": "443",
    "x-forwarded-proto": "https",
    ...(input.json !== undefined ? { "content-type": "application/json" } : {}),
    ...lowerCaseKeys(input.headers ?? {}),
  };
  let body: string | undefined;
  let isBase64Encoded = false;
  if (input.binary) {
    body = Buffer.from(input.binary).toString("base64");
    isBase64Encoded = true;
  } else if (input.json !== undefined) {
    body = JSON.stringify(input.json);
  } else if (input.text !== undefined) {
    body = input.text;
  }
  if (body !== undefined) headers["content-length"] = String(Buffer.byteLength(body));
  const now = new Date();
  return {
    version: "2.0",
    routeKey: "$default",
    rawPath,
    rawQueryString,
    headers,
    ...(rawQueryString ? { queryStringParameters: parseQuery(rawQueryString) } : {}),
    requestContext: {
      accountId: "123456789012",
      apiId: "abc123",
      domainName: headers.host as string,
      domainPrefix: "abc123",
      http: {
        method: input.method.toUpperCase(),
        path: rawPath,
        protocol: "HTTP/1.1",
        sourceIp: "203.0.113.7",
        userAgent: headers["user-agent"] as string,
      },
      requestId: randomUUID(),
      routeKey: "$default",
      stage: "$default",
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded,
  };
}

/** A Lambda context with the fields handlers commonly read. */
export function lambdaContext(functionName = "slipway-test"): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: "$LATEST",
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: "512",
    awsRequestId: randomUUID(),
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: "2026/11/29/[$LATEST]0123456789abcdef",
    getRemainingTimeInMillis: () => 10_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

function lowerCaseKeys(headers: Record<string, string>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(headers).map(([key, value]) => [key.toLowerCase(), value]),
  );
}

function parseQuery(query: string): Record<string, string> {
  // API Gateway joins repeated parameters with commas.
  const result: Record<string, string> = {};
  for (const [key, value] of new URLSearchParams(query)) {
    result[key] = key in result ? `${result[key]},${value}` : value;
  }
  return result;
}
