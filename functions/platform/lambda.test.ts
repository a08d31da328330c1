import { describe, expect, it } from "vitest";
import { isContentTypeBinary } from "./lambda.js";

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
