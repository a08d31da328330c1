import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { IdentityService } from "../../../gen/identity/v1/identity_pb.js";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import type { Caller } from "../../../platform/auth/internal-credential.js";
import { createServiceClient } from "../../../platform/rpc/client.js";
import { testCredentials } from "../../../platform/testing/credentials.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { inProcessFetch } from "../../../platform/testing/in-process-fetch.js";
import { uniqueEmail, useIdentity } from "../../testing.js";

const UNKNOWN_ID = "01890a5d-ac96-774b-bcce-b302099a8057";

describe.each(databaseKinds)("GetUser on %s", (kind) => {
  const identity = useIdentity(kind);

  const failure = (id: string) =>
    identity.client.getUser({ id }).then(
      () => expect.fail("expected the call to fail"),
      (error: unknown) => ConnectError.from(error),
    );

  it("answers NotFound for an unknown id", async () => {
    const error = await failure(UNKNOWN_ID);
    expect(error.code).toBe(Code.NotFound);
    expect(error.rawMessage).toBe(`user ${UNKNOWN_ID} not found`);
  });

  it("answers InvalidArgument on id for an id that is not a UUID", async () => {
    const error = await failure("42");
    expect(error.code).toBe(Code.InvalidArgument);
    const [details] = error.findDetails(BadRequestSchema);
    expect(details?.fieldViolations.map((violation) => violation.field)).toEqual(["id"]);
  });

  describe("for an end user", () => {
    const as = (caller: Caller) =>
      createServiceClient(IdentityService, {
        baseUrl: "http://identity.test",
        timeoutMs: 10_000,
        fetch: inProcessFetch(identity.app),
        interceptors: [testCredentials("identity", caller)],
      });
    let id: string;
    const user = (subject: string, scopes: string[]) => ({ subject, scopes: new Set(scopes) });

    it("answers their own profile", async () => {
      const email = uniqueEmail("self");
      const registered = await identity.client.registerUser({
        email,
        password: "a long enough passphrase",
        displayName: "Self",
      });
      id = registered.user?.id ?? "";
      const { user: got } = await as(user(id, ["profile"])).getUser({ id });
      expect(got).toMatchObject({ id, email });
    });

    it.each([
      ["another user's id", () => user("01890a5d-ac96-774b-bcce-b302099a8058", ["profile"])],
      ["their own id without the profile scope", () => user(id, ["orders:read"])],
    ])("refuses %s with PermissionDenied", async (_name, caller) => {
      const error = await as(caller())
        .getUser({ id })
        .catch((caught: unknown) => ConnectError.from(caught));
      expect((error as ConnectError).code).toBe(Code.PermissionDenied);
    });
  });
});
