import { Code } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { httpStatusFromCode } from "./status.js";

describe("httpStatusFromCode", () => {
  it.each([
    [Code.InvalidArgument, 400],
    [Code.NotFound, 404],
    [Code.AlreadyExists, 409],
    [Code.FailedPrecondition, 409],
    [Code.Unauthenticated, 401],
    [Code.PermissionDenied, 403],
    [Code.ResourceExhausted, 429],
    [Code.Unavailable, 503],
    [Code.DeadlineExceeded, 504],
  ])("maps %s to %i", (code, status) => {
    expect(httpStatusFromCode(code)).toBe(status);
  });

  it.each([Code.Internal, Code.Unknown, Code.DataLoss, Code.Aborted, Code.Unimplemented])(
    "maps everything else (%s) to 500",
    (code) => {
      expect(httpStatusFromCode(code)).toBe(500);
    },
  );
});
