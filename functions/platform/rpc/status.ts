/**
 * The one mapping from Connect error codes to HTTP statuses, used by every edge that turns an
 * RPC error into an HTTP answer (the gateway's problem+json, health checks, tests).
 *
 * @example
 * httpStatusFromCode(Code.NotFound); // 404
 */
import { Code } from "@connectrpc/connect";

const statusByCode: Partial<Record<Code, number>> = {
  [Code.InvalidArgument]: 400,
  [Code.NotFound]: 404,
  [Code.AlreadyExists]: 409,
  [Code.FailedPrecondition]: 409,
  [Code.Unauthenticated]: 401,
  [Code.PermissionDenied]: 403,
  [Code.ResourceExhausted]: 429,
  [Code.Unavailable]: 503,
  [Code.DeadlineExceeded]: 504,
};

/** Anything not listed is an internal failure: 500, and its details stay inside. */
export function httpStatusFromCode(code: Code): number {
  return statusByCode[code] ?? 500;
}
