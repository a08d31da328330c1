import type { MessageInitShape } from "@bufbuild/protobuf";
import { Code, ConnectError } from "@connectrpc/connect";
import { eq } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import type {
  RegisterUserRequest,
  RegisterUserRequestSchema,
} from "../../../gen/identity/v1/identity_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { users } from "../../db/schema.js";
import { verifyPassword } from "../../passwords.js";
import { uniqueEmail, useIdentity } from "../../testing.js";

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PASSWORD = "Tr0ub4dor&3-and-more";

type RegisterInput = Exclude<
  MessageInitShape<typeof RegisterUserRequestSchema>,
  RegisterUserRequest
>;

function validRequest(overrides: RegisterInput = {}): RegisterInput {
  return { email: uniqueEmail(), password: PASSWORD, displayName: "Ada Lovelace", ...overrides };
}

function violations(error: ConnectError): string[] {
  const [details] = error.findDetails(BadRequestSchema);
  return (details?.fieldViolations ?? [])
    .map((violation) => `${violation.field}: ${violation.description}`)
    .sort();
}

describe.each(databaseKinds)("RegisterUser on %s", (kind) => {
  const identity = useIdentity(kind);

  const register = (request: RegisterInput) => identity.client.registerUser(request);
  const failure = (request: RegisterInput) =>
    register(request).then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("registers a user that GetUser then finds, with no secret in either answer", async () => {
    const request = validRequest({ displayName: "  Ada Lovelace \t" });
    const { user } = await register(request);
    expect(user?.id).toMatch(UUID_V7);
    expect(user).toMatchObject({ email: request.email, displayName: "Ada Lovelace" });
    expect(user?.createTime).toBeDefined();

    const { user: found } = await identity.client.getUser({ id: user?.id ?? "" });
    expect(found).toEqual(user);
    for (const answer of [user, found]) {
      const json = JSON.stringify(answer, (_key, value) =>
        typeof value === "bigint" ? String(value) : value,
      );
      expect(json).not.toContain(PASSWORD);
      expect(json).not.toMatch(/scrypt|password|hash/i);
    }
  });

  it("stores a hash that is not the password, which verifyPassword accepts", async () => {
    const { user } = await register(validRequest());
    const [row] = await identity.db
      .select()
      .from(users)
      .where(eq(users.id, user?.id ?? ""));
    expect(row?.passwordHash).toMatch(/^scrypt\$/);
    expect(row?.passwordHash).not.toContain(PASSWORD);
    expect(await verifyPassword(PASSWORD, row?.passwordHash ?? "")).toBe(true);
    expect(await verifyPassword(`${PASSWORD}!`, row?.passwordHash ?? "")).toBe(false);
  });

  it("answers AlreadyExists for an email that differs only in case, without echoing it", async () => {
    const email = uniqueEmail("Grace.Hopper");
    await register(validRequest({ email }));
    const error = await failure(validRequest({ email: email.toUpperCase() }));
    expect(error.code).toBe(Code.AlreadyExists);
    expect(error.rawMessage).not.toContain(PASSWORD);
    expect(error.rawMessage.toLowerCase()).not.toContain(email.toLowerCase());
    const error2 = await failure(validRequest({ email: email.toLowerCase() }));
    expect(error2.code).toBe(Code.AlreadyExists);
  });

  it("lists every broken rule at once, echoing none of the input", async () => {
    const password = "aaaaaaaaaaa";
    const error = await failure({ email: "not-an-email", password, displayName: " \u200b " });
    expect(error.code).toBe(Code.InvalidArgument);
    expect(violations(error)).toEqual([
      "display_name: must contain a visible character",
      "email: must be an email address such as name@example.com",
      "password: must be at least 12 characters",
      "password: must not be one character repeated",
    ]);
    expect(error.rawMessage).not.toContain(password);
    expect(JSON.stringify(violations(error))).not.toContain(password);
  });

  it("refuses a password containing the email's local part, ignoring case", async () => {
    const email = uniqueEmail("margaret");
    const local = email.split("@")[0] ?? "";
    const password = `xx${local.toUpperCase()}-2024`;
    const error = await failure(validRequest({ email, password }));
    expect(violations(error)).toEqual([
      "password: must not contain the part of the email before the @",
    ]);
    expect(error.rawMessage).not.toContain(password);
  });

  it("lists the local-part rule together with the other broken password rules", async () => {
    const error = await failure(
      validRequest({ email: "bob@example.com", password: "bob", displayName: "x".repeat(101) }),
    );
    expect(violations(error)).toEqual([
      "display_name: must be at most 100 characters",
      "password: must be at least 12 characters",
      "password: must not contain the part of the email before the @",
    ]);
  });

  it("does not hold a local part shorter than 3 characters against the password", async () => {
    const email = `al@${uniqueEmail().replace("@", ".")}`;
    const { user } = await register(validRequest({ email, password: "totally-fine-passphrase" }));
    expect(user?.email).toBe(email);
  });

  it("accepts a 100-character display name and counts characters, not UTF-16 units", async () => {
    const { user } = await register(validRequest({ displayName: "😀".repeat(100) }));
    expect(user?.displayName).toBe("😀".repeat(100));
    const error = await failure(validRequest({ displayName: "😀".repeat(101) }));
    expect(violations(error)).toEqual(["display_name: must be at most 100 characters"]);
  });

  it("writes nothing when the request is invalid", async () => {
    const before = await identity.db.$count(users);
    const email = uniqueEmail();
    await failure(validRequest({ email, password: "short" }));
    expect(await identity.db.$count(users)).toBe(before);
    const { user } = await register(validRequest({ email }));
    expect(user?.email).toBe(email);
  });
});
