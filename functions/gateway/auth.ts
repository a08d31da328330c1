/**
 * Who is calling, at the gateway: the bearer access token of a request (RFC 6750), verified
 * against identity's keys, and the scopes each route requires.
 *
 * A route that needs a caller says so with `requireScopes(...)`; the others never look at the
 * Authorization header. Refusals are problem+json with the matching `WWW-Authenticate`
 * challenge: 401 without a token (the challenge has no error code then) or with one that is
 * not valid, 400 when the header is not one Bearer token, 403 `insufficient_scope` when a
 * scope is missing, 503 when identity's keys cannot be loaded (our fault, not the token's).
 * Details come from a closed list: never a claim's value, nor what we expected instead.
 *
 * @example
 * const requireScopes = createAuth({ verifier, logger });
 * routes.post("/", requireScopes("catalog:write"), async (c) => {
 *   await catalog.createProduct(request, { contextValues: callerValues(verifiedCaller(c)) });
 * });
 */
import type { Context, MiddlewareHandler } from "hono";
import type { AccessToken, AccessTokenVerifier } from "../platform/auth/access-token.js";
import {
  bearerChallenge,
  insufficientScopeChallenge,
  readBearerToken,
  statusOf,
} from "../platform/auth/bearer.js";
import { hasScopes, type Scope } from "../platform/auth/scopes.js";
import { TokenError } from "../platform/auth/token-error.js";
import type { Logger } from "../platform/logger.js";
import { ProblemError, type ProblemKind, problemResponse } from "./problem.js";

/** What a route behind `requireScopes` finds on its context. */
export interface AuthEnv {
  Variables: { caller?: AccessToken };
}

/** Middleware admitting only requests whose access token grants every one of `required`. */
export type RequireScopes = (...required: Scope[]) => MiddlewareHandler<AuthEnv>;

export interface AuthOptions {
  verifier: AccessTokenVerifier;
  logger: Logger;
}

const kindByStatus: Record<ReturnType<typeof statusOf>, ProblemKind> = {
  400: "validation-failed",
  401: "unauthenticated",
  503: "service-unavailable",
};

export function createAuth({ verifier, logger }: AuthOptions): RequireScopes {
  return (...required) =>
    async (c, next) => {
      let caller: AccessToken;
      try {
        const token = readBearerToken(c.req.header("authorization"));
        if (token === undefined) {
          return refuse(
            c,
            "unauthenticated",
            "this needs an access token: send Authorization: Bearer <token>",
            bearerChallenge(),
          );
        }
        caller = await verifier.verify(token);
      } catch (error) {
        if (!(error instanceof TokenError)) throw error;
        const kind = kindByStatus[statusOf(error)];
        if (error.code === "temporarily_unavailable") {
          // The cause names identity's key-set URL at most; never the token.
          logger.error("access token keys unavailable", { path: c.req.path, error });
          return refuse(c, kind, error.message);
        }
        logger.debug("access token refused", { path: c.req.path, reason: error.reason });
        return refuse(c, kind, error.message, bearerChallenge(error));
      }
      if (!hasScopes(caller.scopes, required)) {
        return refuse(
          c,
          "forbidden",
          `the access token lacks a required scope: ${required.join(" ")}`,
          insufficientScopeChallenge(required),
        );
      }
      c.set("caller", caller);
      await next();
    };
}

/** The verified caller of a route behind `requireScopes`. */
export function verifiedCaller(c: Context<AuthEnv>): AccessToken {
  const caller = c.get("caller");
  // Only reachable when a route reads a caller without requiring one: fail closed.
  if (!caller) throw new Error(`route ${c.req.path} reads a caller it never required`);
  return caller;
}

function refuse(c: Context, kind: ProblemKind, detail: string, challenge?: string): Response {
  const response = problemResponse(new ProblemError(kind, detail), c.req.path);
  if (challenge) response.headers.set("www-authenticate", challenge);
  return response;
}
