/**
 * The gateway's one error handler: turns whatever a route threw — a ProblemError, Hono's
 * HTTPException, a ConnectError from a service — into problem+json. Statuses for Connect codes
 * come from the platform's single mapping; 5xx answers never carry internals.
 */
import { Code, ConnectError } from "@connectrpc/connect";
import type { Context } from "hono";
import { HTTPException } from "hono/http-exception";
import { BadRequestSchema } from "../gen/rpc/v1/errors_pb.js";
import type { Logger } from "../platform/logger.js";
import { httpStatusFromCode } from "../platform/rpc/status.js";
import {
  type FieldError,
  ProblemError,
  type ProblemKind,
  problemKinds,
  problemResponse,
} from "./problem.js";

const kindByStatus = new Map<number, ProblemKind>(
  Object.entries(problemKinds).map(([kind, { status }]) => [status, kind as ProblemKind]),
);

function kindOf(status: number): ProblemKind {
  return kindByStatus.get(status) ?? (status < 500 ? "validation-failed" : "internal");
}

/** Says where a failing RPC field (`price.amount_minor`) sits in the REST request. */
export type FieldLocator = (field: string) => Omit<FieldError, "detail">;

/** `price.amount_minor` → `#/price/amountMinor`; `renamed` maps RPC names to REST names. */
export function bodyFields(renamed: Record<string, string> = {}): FieldLocator {
  return (field) => ({
    pointer: `#/${(renamed[field] ?? field)
      .replace(/\[(\d+)\]/g, ".$1")
      .split(".")
      .map((part) => part.replace(/_([a-z0-9])/g, (_, c: string) => c.toUpperCase()))
      .join("/")}`,
  });
}

/** RPC fields that came from query or path parameters, by their REST names. */
export function parameterFields(renamed: Record<string, string>): FieldLocator {
  return (field) => ({ parameter: renamed[field] ?? field });
}

export function problemFromRpcError(
  error: ConnectError,
  locate: FieldLocator = bodyFields(),
): ProblemError {
  // The gateway signs every call, so a service refusing its credential means the two disagree
  // on the secret or the clock: our failure, not the client's token (checked before the call).
  const status = error.code === Code.Unauthenticated ? 500 : httpStatusFromCode(error.code);
  const kind = kindOf(status);
  if (status >= 500) {
    const detail =
      error.code === Code.DeadlineExceeded
        ? "a service did not answer in time; try again"
        : error.code === Code.Unavailable
          ? "a service is unavailable; try again later"
          : "something went wrong on our side";
    return new ProblemError(kind, detail);
  }
  const errors: FieldError[] = error
    .findDetails(BadRequestSchema)
    .flatMap((detail) => detail.fieldViolations)
    .map((violation) => ({ ...locate(violation.field), detail: violation.description }));
  if (error.code === Code.InvalidArgument && errors.length === 0) {
    // The gateway validates what clients send; a service refusing an argument without naming a
    // field means the gateway built a bad call (or is misconfigured), not that the client did.
    return new ProblemError("internal", "something went wrong on our side");
  }
  // A service's summary of field violations names its own fields; the list above already
  // says the same in this API's terms.
  const detail = errors.length > 0 ? "the request is not valid" : error.rawMessage;
  return new ProblemError(kind, detail, errors);
}

/**
 * For `.catch()` on a service call: rethrows its error as a problem whose field errors point
 * into this route's request.
 */
export function rethrowWithFields(locate: FieldLocator) {
  return (error: unknown): never => {
    if (error instanceof ConnectError) {
      const problem = problemFromRpcError(error, locate);
      // 5xx problems go through the error handler with the original error, which it logs.
      if (problemKinds[problem.kind].status < 500) throw problem;
    }
    throw error;
  };
}

export function createErrorHandler(logger: Logger) {
  return (error: Error, c: Context): Response => {
    const instance = c.req.path;
    if (error instanceof ProblemError) return problemResponse(error, instance);
    if (error instanceof ConnectError) {
      const problem = problemFromRpcError(error);
      if (problemKinds[problem.kind].status >= 500) {
        logger.error("service call failed", { path: instance, code: Code[error.code], error });
      }
      return problemResponse(problem, instance);
    }
    if (error instanceof HTTPException && error.status < 500) {
      return problemResponse(new ProblemError(kindOf(error.status), error.message), instance);
    }
    logger.error("request failed", { path: instance, error });
    return problemResponse(
      new ProblemError("internal", "something went wrong on our side"),
      instance,
    );
  };
}

export function notFoundHandler(c: Context): Response {
  return problemResponse(
    new ProblemError("not-found", `no route for ${c.req.method} ${c.req.path}`),
    c.req.path,
  );
}

/** For a path's other methods: 405 with the `Allow` header listing the ones it has. */
export function methodNotAllowed(allow: string) {
  return (c: Context): Response => {
    const response = problemResponse(
      new ProblemError("method-not-allowed", `${c.req.method} is not allowed here; use ${allow}`),
      c.req.path,
    );
    response.headers.set("allow", allow);
    return response;
  };
}
