/**
 * RFC 9457 problem details: the one shape of every error the gateway answers.
 *
 * Each kind of problem has a stable `type` URI that clients can switch on; `title` is fixed per
 * type, `detail` explains this occurrence, `errors` lists failing request fields.
 *
 * @example
 * throw new ProblemError("not-found", "product 0190… not found");
 */
import * as v from "valibot";

export const PROBLEM_CONTENT_TYPE = "application/problem+json";

export const problemKinds = {
  "validation-failed": { status: 400, title: "Your request is not valid" },
  unauthenticated: { status: 401, title: "Authentication is required" },
  forbidden: { status: 403, title: "You are not allowed to do this" },
  "not-found": { status: 404, title: "Not found" },
  "method-not-allowed": { status: 405, title: "Method not allowed" },
  conflict: { status: 409, title: "Conflicts with the current state" },
  "payload-too-large": { status: 413, title: "Request body too large" },
  "unsupported-media-type": { status: 415, title: "Unsupported media type" },
  // 422, as draft-ietf-httpapi-idempotency-key-header asks of a key reused with another body.
  "idempotency-key-reused": { status: 422, title: "Idempotency key used for another request" },
  "too-many-requests": { status: 429, title: "Too many requests" },
  internal: { status: 500, title: "Internal error" },
  "bad-gateway": { status: 502, title: "A service answered badly" },
  "service-unavailable": { status: 503, title: "Service unavailable" },
  "upstream-timeout": { status: 504, title: "A service did not answer in time" },
} as const satisfies Record<string, { status: number; title: string }>;

export type ProblemKind = keyof typeof problemKinds;

export const problemType = (kind: ProblemKind) => `urn:slipway:problem:${kind}`;

export interface FieldError {
  /** JSON Pointer (RFC 6901) into the request body, as a URI fragment: `#/price/currency`. */
  pointer?: string;
  /** Name of the query or path parameter, for errors outside the body. */
  parameter?: string;
  detail: string;
}

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  instance: string;
  errors?: FieldError[];
}

/** Thrown anywhere in a request; the app's error handler answers it as problem+json. */
export class ProblemError extends Error {
  override name = "ProblemError";
  constructor(
    readonly kind: ProblemKind,
    readonly detail: string,
    readonly errors?: FieldError[],
  ) {
    super(detail);
  }
}

export function toProblem(error: ProblemError, instance: string): Problem {
  const { status, title } = problemKinds[error.kind];
  return {
    type: problemType(error.kind),
    title,
    status,
    detail: error.detail,
    instance,
    ...(error.errors?.length ? { errors: error.errors } : {}),
  };
}

export function problemResponse(error: ProblemError, instance: string): Response {
  const problem = toProblem(error, instance);
  return new Response(JSON.stringify(problem), {
    status: problem.status,
    headers: { "content-type": PROBLEM_CONTENT_TYPE },
  });
}

/** The problem body's schema, for the OpenAPI document. */
export const ProblemJson = v.object({
  type: v.pipe(v.string(), v.description("Stable URI of the kind of problem")),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: v.string(),
  instance: v.pipe(v.string(), v.description("Path of the request that failed")),
  errors: v.optional(
    v.array(
      v.object({
        pointer: v.optional(v.string()),
        parameter: v.optional(v.string()),
        detail: v.string(),
      }),
    ),
  ),
});
