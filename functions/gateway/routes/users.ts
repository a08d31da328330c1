// REST routes for users: registration (public) and the signed-in user's own profile, as thin
// translations to IdentityService calls.
import { timestampDate } from "@bufbuild/protobuf/wkt";
import { type Client, Code, ConnectError } from "@connectrpc/connect";
import { Hono, type MiddlewareHandler } from "hono";
import { describeRoute } from "hono-openapi";
import * as v from "valibot";
import type { IdentityService, User } from "../../gen/identity/v1/identity_pb.js";
import { callerValues } from "../../platform/auth/internal-credential.js";
import { type AuthEnv, type RequireScopes, verifiedCaller } from "../auth.js";
import { bodyFields, methodNotAllowed, rethrowWithFields } from "../errors.js";
import { jsonResponse, problemResponses, publicRoute, securedRoute } from "../openapi-responses.js";
import { type FieldError, ProblemError } from "../problem.js";
import { jsonObject, validate } from "../validate.js";

const text = v.string("must be a string");

const RegisterUserBody = jsonObject({
  email: v.pipe(text, v.description("An address such as ada@example.com; unique ignoring case")),
  password: v.pipe(
    text,
    v.description(
      "At least 12 characters, not one character repeated, not containing the part of the email before the @. Never returned.",
    ),
  ),
  displayName: v.pipe(text, v.description("1-100 characters, at least one of them visible")),
});

export const UserJson = v.pipe(
  v.object({
    id: v.pipe(v.string(), v.uuid()),
    email: v.string(),
    displayName: v.string(),
    createdAt: v.pipe(v.string(), v.isoTimestamp()),
  }),
  v.title("User"),
);
export type UserJson = v.InferOutput<typeof UserJson>;

function userToJson(user: User | undefined): UserJson {
  if (!user) throw new Error("identity answered without a user");
  return {
    id: user.id,
    email: user.email,
    displayName: user.displayName,
    createdAt: user.createTime ? timestampDate(user.createTime).toISOString() : "",
  };
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * A token whose subject is no user — a machine client's, from the client credentials grant,
 * or a user's since deleted — has no profile: 404, the same answer whichever it is.
 */
const noUser = () => new ProblemError("not-found", "the access token's subject is not a user");

export interface UserRouteOptions {
  /** Guards of a JSON request body (content type, size). */
  jsonBody: MiddlewareHandler;
  requireScopes: RequireScopes;
}

export function userRoutes(
  identity: Client<typeof IdentityService>,
  { jsonBody, requireScopes }: UserRouteOptions,
) {
  const tags = ["users"];
  return new Hono<AuthEnv>()
    .post(
      "/users",
      describeRoute({
        tags,
        operationId: "registerUser",
        summary: "Register a user",
        description:
          "Anyone may register. The answer's Location is `/v1/me`, where the user reads their profile once signed in.",
        ...publicRoute(),
        responses: {
          201: jsonResponse("The new user", UserJson),
          ...problemResponses(
            "validation-failed",
            "conflict",
            "payload-too-large",
            "unsupported-media-type",
          ),
        },
      }),
      jsonBody,
      validate("json", RegisterUserBody),
      async (c) => {
        const body = c.req.valid("json");
        const { user } = await identity
          .registerUser(body)
          .catch(withoutEcho(body.password, rethrowWithFields(bodyFields())));
        c.header("location", "/v1/me");
        return c.json(userToJson(user), 201);
      },
    )
    .get(
      "/me",
      describeRoute({
        tags,
        operationId: "getMe",
        summary: "Get the signed-in user's profile",
        description:
          "404 when the access token's subject is not a user (a machine client's token, say).",
        ...securedRoute(["profile"], {
          200: jsonResponse("The user the access token was issued to", UserJson),
          ...problemResponses("not-found"),
        }),
      }),
      requireScopes("profile"),
      async (c) => {
        const caller = verifiedCaller(c);
        if (!UUID.test(caller.subject)) throw noUser();
        const { user } = await identity
          .getUser({ id: caller.subject }, { contextValues: callerValues(caller) })
          .catch((error: unknown) => {
            if (error instanceof ConnectError && error.code === Code.NotFound) throw noUser();
            throw error;
          });
        // Personal data: no shared cache may keep it.
        c.header("cache-control", "no-store");
        return c.json(userToJson(user));
      },
    )
    .all("/users", methodNotAllowed("POST"))
    .all("/me", methodNotAllowed("GET"));
}

/**
 * Identity's rule messages never repeat a password, and this one's never do either; should that
 * ever change, a message holding the password is replaced here rather than sent back.
 */
function withoutEcho(secret: string, rethrow: (error: unknown) => never) {
  const scrub = (detail: string) =>
    secret.length > 0 && detail.includes(secret) ? "is not valid" : detail;
  return (error: unknown): never => {
    try {
      return rethrow(error);
    } catch (thrown) {
      if (!(thrown instanceof ProblemError)) throw thrown;
      const errors = thrown.errors?.map(
        (field): FieldError => ({ ...field, detail: scrub(field.detail) }),
      );
      throw new ProblemError(thrown.kind, scrub(thrown.detail), errors);
    }
  };
}
