// Drives the identity service's scheduled-job entries locally on PGlite, as the schedule would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import { newKeySecret } from "./testing.js";

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-identity-jobs-"));
  vi.stubEnv("DATA_DIR", dataDir);
  vi.stubEnv("DATABASE_URL", undefined);
  vi.stubEnv("LOG_LEVEL", "SILENT");
  vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
  vi.stubEnv("IDENTITY_KEY_SECRET", newKeySecret());
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dataDir, { recursive: true, force: true });
});

it("prunes and rotates the signing key only when due", async () => {
  // jobs.ts starts the service at import, as a cold start does (which creates the first key).
  const { maintain } = await import("./jobs.js");
  expect(await maintain()).toEqual({ codes: 0, refreshTokens: 0, rotatedKey: undefined });
});
