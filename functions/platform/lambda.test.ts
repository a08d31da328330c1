import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2 } from "aws-lambda";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { isContentTypeBinary, lambdaHandler } from "./lambda.js";
import { apiGatewayEvent, lambdaContext } from "./testing/api-gateway-event.js";

describe("a caller's Authorization passed on behind IAM auth", () => {
  const app = new Hono().get("/whoami", (c) =>
    c.json({
      authorization: c.req.header("authorization") ?? null,
      forwarded: c.req.header("x-forwarded-authorization") ?? null,
    }),
  );
  const handler = lambdaHandler(app);
  const headers = {
    authorization:
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20261129/eu-west-1/lambda/aws4_request, SignedHeaders=host, Signature=abc",
    "x-forwarded-authorization": "Basic c2xpcHdheTpzZWNyZXQ=",
  };
  const call = async (event: APIGatewayProxyEventV2) => {
    const result = (await handler(event as never, lambdaContext())) as Exclude<
      APIGatewayProxyResultV2,
      string
    >;
    return JSON.parse(result.body ?? "{}");
  };

  it("is put back as Authorization when the function URL checked the caller's signature", async () => {
    const event = apiGatewayEvent({ method: "GET", path: "/whoami", headers });
    const signed = {
      ...event,
      requestContext: {
        ...event.requestContext,
        authorizer: {
          iam: {
            accessKey: "AKIDEXAMPLE",
            accountId: "123456789012",
            userArn: "arn:aws:sts::123456789012:assumed-role/gateway/fn",
          },
        },
      },
    } as APIGatewayProxyEventV2;

    expect(await call(signed)).toEqual({
      authorization: "Basic c2xpcHdheTpzZWNyZXQ=",
      forwarded: null,
    });
  });

  it("is dropped when no signature was checked, so nobody else can set it", async () => {
    const event = apiGatewayEvent({ method: "GET", path: "/whoami", headers });

    expect(await call(event)).toEqual({ authorization: headers.authorization, forwarded: null });
  });
});

describe("isContentTypeBinary", () => {
  it.each([
    "application/proto",
    "application/connect+proto",
    "application/connect+json",
    "application/connect+json; charset=utf-8",
    "Application/Connect+JSON",
    "application/grpc",
    "application/grpc+proto",
    "application/grpc-web+proto",
    "application/grpc-web+json",
    "application/octet-stream",
  ])("treats %s as binary", (contentType) => {
    expect(isContentTypeBinary(contentType)).toBe(true);
  });

  it.each([
    "application/json",
    "application/json; charset=utf-8",
    "application/problem+json",
    "text/html; charset=utf-8",
    "text/plain",
  ])("treats %s as text", (contentType) => {
    expect(isContentTypeBinary(contentType)).toBe(false);
  });
});
