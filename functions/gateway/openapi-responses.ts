// OpenAPI response objects shared by the gateway's routes.
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { resolver } from "hono-openapi";
import { PROBLEM_CONTENT_TYPE, ProblemJson, type ProblemKind, problemKinds } from "./problem.js";

export function jsonResponse(description: string, schema: StandardSchemaV1) {
  return { description, content: { "application/json": { schema: resolver(schema) } } };
}

export function problemDoc(kind: ProblemKind) {
  return {
    description: problemKinds[kind].title,
    content: { [PROBLEM_CONTENT_TYPE]: { schema: resolver(ProblemJson) } },
  };
}

/** One response per problem kind, keyed by status. */
export function problemResponses(...kinds: ProblemKind[]) {
  return Object.fromEntries(kinds.map((kind) => [problemKinds[kind].status, problemDoc(kind)]));
}
