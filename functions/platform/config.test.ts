import * as v from "valibot";
import { describe, expect, it } from "vitest";
import { ConfigError, httpUrl, loadConfig, logLevel, port, positiveInteger } from "./config.js";

const Config = v.object({
  PORT_SERVICE: port(3002),
  TIMEOUT_MS: positiveInteger(5000),
  UPSTREAM_URL: v.optional(httpUrl, "http://127.0.0.1:3002"),
  LOG_LEVEL: logLevel,
});

describe("loadConfig", () => {
  it("applies defaults and converts types", () => {
    expect(loadConfig(Config, {})).toEqual({
      PORT_SERVICE: 3002,
      TIMEOUT_MS: 5000,
      UPSTREAM_URL: "http://127.0.0.1:3002",
      LOG_LEVEL: "INFO",
    });
  });

  it("reads values from the environment", () => {
    const config = loadConfig(Config, { PORT_SERVICE: "4000", LOG_LEVEL: "DEBUG" });
    expect(config.PORT_SERVICE).toBe(4000);
    expect(config.LOG_LEVEL).toBe("DEBUG");
  });

  it("treats an empty variable as unset", () => {
    expect(loadConfig(Config, { PORT_SERVICE: "" }).PORT_SERVICE).toBe(3002);
  });

  it("reports every bad variable in one error", () => {
    const load = () =>
      loadConfig(Config, {
        PORT_SERVICE: "99999",
        TIMEOUT_MS: "soon",
        UPSTREAM_URL: "ftp://example.com",
        LOG_LEVEL: "LOUD",
      });
    expect(load).toThrow(ConfigError);
    try {
      load();
    } catch (error) {
      const problems = (error as ConfigError).problems;
      expect(problems.map((problem) => problem.split(":")[0])).toEqual([
        "PORT_SERVICE",
        "TIMEOUT_MS",
        "UPSTREAM_URL",
        "LOG_LEVEL",
      ]);
      expect((error as Error).message).toContain("PORT_SERVICE: must be between 1 and 65535");
    }
  });

  it("never echoes the value of a variable it rejects", () => {
    const secretish = "postgres://user:hunter2@db/prod";
    try {
      loadConfig(Config, { UPSTREAM_URL: secretish.replace("postgres", "ftp") });
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain("hunter2");
    }
  });
});
