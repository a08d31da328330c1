import { describe, expect, it, vi } from "vitest";
import { ProviderError, retryTransient, TransientProviderError } from "./provider.js";

const quick = { attempts: 3, baseDelayMs: 1 };

describe("retryTransient", () => {
  it("retries transient failures until the call succeeds", async () => {
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new TransientProviderError("timeout"))
      .mockRejectedValueOnce(new TransientProviderError("timeout"))
      .mockResolvedValue("done");
    await expect(retryTransient(call, quick)).resolves.toBe("done");
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("gives up after the last attempt with the transient failure, for the bus to redeliver", async () => {
    const call = vi.fn(() => Promise.reject(new TransientProviderError("timeout")));
    await expect(retryTransient(call, quick)).rejects.toBeInstanceOf(TransientProviderError);
    expect(call).toHaveBeenCalledTimes(3);
  });

  it("never repeats a refusal", async () => {
    const call = vi.fn(() => Promise.reject(new ProviderError("key reused")));
    await expect(retryTransient(call, quick)).rejects.toBeInstanceOf(ProviderError);
    expect(call).toHaveBeenCalledTimes(1);
  });

  it("waits longer before each retry", async () => {
    const started = Date.now();
    const call = vi
      .fn<() => Promise<string>>()
      .mockRejectedValueOnce(new TransientProviderError("timeout"))
      .mockRejectedValueOnce(new TransientProviderError("timeout"))
      .mockResolvedValue("done");
    await retryTransient(call, { attempts: 3, baseDelayMs: 20 });
    // At least half of each ceiling: 10 + 20 ms.
    expect(Date.now() - started).toBeGreaterThanOrEqual(29);
  });
});
