// Drives the orders service's scheduled-job entries locally on PGlite, as the schedule would.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";

let dataDir: string;

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-orders-jobs-"));
  vi.stubEnv("DATA_DIR", dataDir);
  vi.stubEnv("DATABASE_URL", undefined);
  vi.stubEnv("LOG_LEVEL", "SILENT");
  vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await rm(dataDir, { recursive: true, force: true });
});

it("runs one sweep and one prune pass per invocation", async () => {
  // jobs.ts starts the service at import, as a cold start does.
  const jobs = await import("./jobs.js");
  expect(await jobs.sweep()).toEqual({ published: 0 });
  expect(await jobs.prune()).toEqual({ outbox: 0, inbox: 0, idempotencyKeys: 0 });
});
