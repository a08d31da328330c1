import * as v from "valibot";
import { afterEach, describe, expect, it, vi } from "vitest";
import { ConfigError, loadConfig } from "../config.js";
import { createLogger } from "../logger.js";
import { busConfig } from "./config.js";
import { openBus } from "./open-bus.js";

afterEach(() => {
  vi.unstubAllEnvs();
});

describe("openBus over SNS/SQS", () => {
  const options = () => ({
    ...loadConfig(v.object(busConfig), { BUS: "sns-sqs", BUS_NAMESPACE: "slipway-open-bus-test" }),
    DATA_DIR: "memory://",
    logger: createLogger("test", "SILENT"),
  });

  it("refuses an unusable AWS_ENDPOINT_URL at open, before anything is published", async () => {
    vi.stubEnv("AWS_ENDPOINT_URL", "not a url");
    await expect(openBus(options())).rejects.toThrow(ConfigError);
    await expect(openBus(options())).rejects.toThrow("AWS_ENDPOINT_URL");
  });

  it("opens without reaching the endpoint; the first probe does, and fails there", async () => {
    // The discard port refuses connections; one attempt, so the failure is quick.
    vi.stubEnv("AWS_ENDPOINT_URL", "http://127.0.0.1:9");
    vi.stubEnv("AWS_MAX_ATTEMPTS", "1");
    vi.stubEnv("AWS_ACCESS_KEY_ID", "test");
    vi.stubEnv("AWS_SECRET_ACCESS_KEY", "test");
    const bus = await openBus(options());
    try {
      await expect(bus.publisher.probe?.()).rejects.toThrow(/SNS/);
    } finally {
      await bus.close();
    }
  });
});
