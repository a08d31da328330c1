import { Code, ConnectError } from "@connectrpc/connect";
import { describe, expect, it } from "vitest";
import { BadRequestSchema } from "../../../gen/rpc/v1/errors_pb.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { useIdentity } from "../../testing.js";

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
});
