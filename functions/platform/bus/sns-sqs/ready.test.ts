import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BusProbe } from "../probe.js";
import { createSnsSqsProbe } from "./ready.js";
import { startTestEmulator, TEST_CREDENTIALS, type TestEmulator } from "./test-emulator.js";

describe("the SNS/SQS bus's probe", () => {
  let emulator: TestEmulator | undefined;
  let probe: BusProbe;

  beforeAll(async () => {
    emulator = await startTestEmulator();
    probe = createSnsSqsProbe(
      { endpoint: emulator.endpoint, region: "us-east-1", credentials: TEST_CREDENTIALS },
      {},
    );
  });
  afterAll(async () => {
    await probe?.close();
    await emulator?.stop();
  });

  it("passes while SNS answers, and fails fast, naming SNS, once it is gone", async () => {
    await probe.probe(AbortSignal.timeout(1_000));
    await emulator?.stop();
    emulator = undefined;
    const started = performance.now();
    await expect(probe.probe(AbortSignal.timeout(1_000))).rejects.toThrow(/^SNS: /);
    expect(performance.now() - started).toBeLessThan(1_500);
  });
});
