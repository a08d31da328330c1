// Drives the identity service's scheduled-job entries locally on PGlite, as the schedule would.
import { expect, it } from "vitest";
import { useLambdaEntryEnvironment } from "../platform/testing/lambda-entry-environment.js";
import { newKeySecret } from "./testing.js";

useLambdaEntryEnvironment("identity", undefined, { IDENTITY_KEY_SECRET: newKeySecret() });

it("prunes and rotates the signing key only when due", async () => {
  // jobs.ts starts the service at import, as a cold start does (which creates the first key).
  const { maintain } = await import("./jobs.js");
  expect(await maintain()).toEqual({ codes: 0, refreshTokens: 0, rotatedKey: undefined });
});
