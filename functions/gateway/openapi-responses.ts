// OpenAPI response objects and security requirements shared by the gateway's routes.
import type { StandardSchemaV1 } from "@standard-schema/spec";
import { resolver } from "hono-openapi";
import type { Scope } from "../platform/auth/scopes.js";
import { PROBLEM_CONTENT_TYPE, ProblemJson, type ProblemKind, problemKinds } from "./problem.js";

/** Name of the OAuth 2.0 security scheme in /openapi.json. */
export const OAUTH2_SCHEME = "oauth2";

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

/** An operation anyone may call: no access token needed, any sent is not looked at. */
export function publicRoute() {
  return { security: [] };
}

type Responses = Record<string, unknown>;

/**
 * An operation behind `requireScopes(...scopes)`: its security requirement, and its
 * `responses` with the refusals every such route can answer added.
 */
export function securedRoute(scopes: readonly Scope[], responses: Responses) {
  return {
    security: [{ [OAUTH2_SCHEME]: [...scopes] }],
    responses: {
      // A malformed Authorization header; routes with a body say more about their own 400.
      ...problemResponses("validation-failed"),
      ...responses,
      401: challenged("unauthenticated", "No access token, or one that is not valid"),
      403: challenged("forbidden", `The access token lacks a scope: ${scopes.join(" ")}`),
      ...problemResponses("service-unavailable"),
    },
  };
}

function challenged(kind: ProblemKind, description: string) {
  return {
    ...problemDoc(kind),
    description,
    headers: {
      "WWW-Authenticate": {
        description: "The Bearer challenge (RFC 6750), with `error` when a token was sent",
        schema: { type: "string" as const },
      },
    },
  };
}
