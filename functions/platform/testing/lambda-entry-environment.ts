/**
 * For tests that import a service's Lambda entry (which starts the service on import, as a cold
 * start does): a fresh embedded DATA_DIR, prepared by `seed` first, and the environment the
 * entry reads, all undone after the file.
 *
 * @example
 * useLambdaEntryEnvironment("catalog", async (dataDir) => { ...leave an unsent event... });
 * it("sweeps", async () => { const jobs = await import("./jobs.js"); ... });
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, vi } from "vitest";
import { TEST_INTERNAL_SECRET } from "../auth/testing.js";

export function useLambdaEntryEnvironment(
  service: string,
  seed: (dataDir: string) => Promise<void> = async () => {},
  environment: Record<string, string> = {},
): void {
  let dataDir: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), `slipway-${service}-entry-`));
    await seed(dataDir);
    vi.stubEnv("DATA_DIR", dataDir);
    vi.stubEnv("DATABASE_URL", undefined);
    vi.stubEnv("LOG_LEVEL", "SILENT");
    vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
    for (const [name, value] of Object.entries(environment)) vi.stubEnv(name, value);
  });
  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(dataDir, { recursive: true, force: true });
  });
}
