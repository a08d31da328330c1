import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../platform/config.js";
import { IdentityConfig } from "./config.js";

describe("identity configuration", () => {
  it("defaults the port to 3001 and takes a secret of 32 characters or more", () => {
    const secret = "k".repeat(32);
    const config = loadConfig(IdentityConfig, { IDENTITY_KEY_SECRET: secret });
    expect(config.PORT_IDENTITY).toBe(3001);
    expect(config.IDENTITY_KEY_SECRET).toBe(secret);
  });

  it("requires the key secret", () => {
    expect(() => loadConfig(IdentityConfig, {})).toThrow(/IDENTITY_KEY_SECRET: is required/);
  });

  it("refuses a short secret without echoing it", () => {
    const short = "too-short-a-secret-to-use";
    let caught: unknown;
    try {
      loadConfig(IdentityConfig, { IDENTITY_KEY_SECRET: short });
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect((caught as ConfigError).message).toMatch(
      /IDENTITY_KEY_SECRET: must be at least 32 characters/,
    );
    expect((caught as ConfigError).message).not.toContain(short);
  });
});
