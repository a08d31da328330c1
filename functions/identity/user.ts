// What every identity slice about users shares: the input rules and the row → message mapping.
import { create } from "@bufbuild/protobuf";
import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Code, ConnectError } from "@connectrpc/connect";
import * as v from "valibot";
import { type User, UserSchema } from "../gen/identity/v1/identity_pb.js";
import { textRule } from "../platform/validation/rules.js";
import type { UserRow } from "./db/schema.js";

// Rule messages never echo the input: a password must not come back in an error.

export const MAX_EMAIL_LENGTH = 254;
export const MIN_PASSWORD_LENGTH = 12;
export const MAX_PASSWORD_LENGTH = 1024;
export const MAX_DISPLAY_NAME_LENGTH = 100;

/** Plain ASCII addresses (valibot's email rule), as registered; compared ignoring case. */
export const emailRule = v.pipe(
  v.string("must be a string"),
  v.maxLength(MAX_EMAIL_LENGTH, `must be at most ${MAX_EMAIL_LENGTH} characters`),
  v.email("must be an email address such as name@example.com"),
);

export const normalizeEmail = (email: string) => email.toLowerCase();

const characters = (text: string) => [...text].length;

/** The rules a password meets on its own; `passwordMentionsEmail` needs the email too. */
export const passwordRule = v.pipe(
  v.string("must be a string"),
  v.check(
    (password) => characters(password) >= MIN_PASSWORD_LENGTH,
    `must be at least ${MIN_PASSWORD_LENGTH} characters`,
  ),
  v.check(
    (password) => characters(password) <= MAX_PASSWORD_LENGTH,
    `must be at most ${MAX_PASSWORD_LENGTH} characters`,
  ),
  v.check((password) => new Set(password).size > 1, "must not be one character repeated"),
);

/**
 * True when the password contains the email's local part, ignoring case. Local parts shorter
 * than 3 characters are not checked: "a@example.com" would otherwise forbid every password with
 * an "a" in it.
 */
export function passwordMentionsEmail(password: string, email: string): boolean {
  const at = email.lastIndexOf("@");
  const local = (at > 0 ? email.slice(0, at) : "").toLowerCase();
  return local.length >= 3 && password.toLowerCase().includes(local);
}

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Z}\p{M}]/gu;

export const displayNameRule = v.pipe(
  textRule,
  // Tabs and newlines at the ends are trimmed away; inside a name they are no character.
  v.check((name) => !/\p{Cc}/u.test(name.trim()), "must not contain control characters"),
  v.check((name) => name.replace(INVISIBLE, "") !== "", "must contain a visible character"),
  v.check(
    (name) => characters(name.trim()) <= MAX_DISPLAY_NAME_LENGTH,
    `must be at most ${MAX_DISPLAY_NAME_LENGTH} characters`,
  ),
);

export function toUserMessage(row: UserRow): User {
  return create(UserSchema, {
    id: row.id,
    email: row.email,
    displayName: row.displayName,
    createTime: timestampFromDate(row.createdAt),
  });
}

export function userNotFound(id: string): ConnectError {
  return new ConnectError(`user ${id} not found`, Code.NotFound);
}
