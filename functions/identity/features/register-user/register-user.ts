// RegisterUser: a new user with a password; emails are unique ignoring case.
import { Code, ConnectError, type ServiceImpl } from "@connectrpc/connect";
import { uuidv7 } from "uuidv7";
import * as v from "valibot";
import type { IdentityService } from "../../../gen/identity/v1/identity_pb.js";
import { isUniqueViolation } from "../../../platform/db/errors.js";
import { messageRule } from "../../../platform/validation/rules.js";
import type { IdentityDb } from "../../db/open.js";
import { users } from "../../db/schema.js";
import { hashPassword } from "../../passwords.js";
import {
  displayNameRule,
  emailRule,
  normalizeEmail,
  passwordMentionsEmail,
  passwordRule,
  toUserMessage,
} from "../../user.js";

export const registerUserRules = v.pipe(
  messageRule({ email: emailRule, password: passwordRule, displayName: displayNameRule }),
  // Runs even when other fields failed, so every broken rule is listed at once.
  v.rawCheck(({ dataset, addIssue }) => {
    if (!dataset.typed) return;
    const { email, password } = dataset.value;
    if (passwordMentionsEmail(password, email)) {
      addIssue({
        message: "must not contain the part of the email before the @",
        path: [
          {
            type: "object",
            origin: "value",
            input: dataset.value,
            key: "password",
            value: password,
          },
        ],
      });
    }
  }),
);

export function registerUser(db: IdentityDb): ServiceImpl<typeof IdentityService>["registerUser"] {
  return async (req) => {
    // Hash before looking at the email: a taken address answers no faster than a free one.
    const passwordHash = await hashPassword(req.password);
    try {
      const [row] = await db
        .insert(users)
        .values({
          id: uuidv7(),
          email: req.email,
          emailNormalized: normalizeEmail(req.email),
          passwordHash,
          displayName: req.displayName.trim(),
        })
        .returning();
      if (!row) throw new Error("insert returned no row");
      return { user: toUserMessage(row) };
    } catch (error) {
      if (isUniqueViolation(error, "users_email_normalized_unique")) {
        throw new ConnectError("this email is already registered", Code.AlreadyExists);
      }
      // Drizzle's message lists the query's parameters, the password hash among them: keep
      // only what the database said, so the error interceptor's log holds no hash.
      throw new Error(`storing a user failed: ${databaseMessage(error)}`);
    }
  };
}

function databaseMessage(error: unknown): string {
  const cause = (error as { cause?: unknown }).cause;
  const { code, message } = (cause ?? {}) as { code?: unknown; message?: unknown };
  return typeof code === "string" ? `${code} ${String(message)}` : "unknown error";
}
