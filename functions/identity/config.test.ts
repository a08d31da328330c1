import { describe, expect, it } from "vitest";
import { ConfigError, loadConfig } from "../platform/config.js";
import { IdentityConfig } from "./config.js";

// The secrets every identity needs; each test adds what it checks.
const required = { IDENTITY_KEY_SECRET: "k".repeat(32), INTERNAL_TOKEN_SECRET: "i".repeat(32) };

describe("identity configuration", () => {
  it("defaults the port to 3001 and takes a secret of 32 characters or more", () => {
    const secret = "k".repeat(32);
    const config = loadConfig(IdentityConfig, { ...required, IDENTITY_KEY_SECRET: secret });
    expect(config.PORT_IDENTITY).toBe(3001);
    expect(config.IDENTITY_KEY_SECRET).toBe(secret);
  });

  it("defaults the issuer to the local gateway and the token lifetimes to 15 minutes and 30 days", () => {
    const config = loadConfig(IdentityConfig, required);
    expect(config.TOKEN_ISSUER).toBe("http://127.0.0.1:3000");
    expect(config.ACCESS_TOKEN_TTL_SECONDS).toBe(900);
    expect(config.REFRESH_TOKEN_TTL_SECONDS).toBe(30 * 24 * 60 * 60);
  });

  it("takes an issuer with a path and shorter lifetimes", () => {
    const config = loadConfig(IdentityConfig, {
      ...required,
      TOKEN_ISSUER: "https://api.example.com/auth",
      ACCESS_TOKEN_TTL_SECONDS: "300",
      REFRESH_TOKEN_TTL_SECONDS: "3600",
    });
    expect(config).toMatchObject({
      TOKEN_ISSUER: "https://api.example.com/auth",
      ACCESS_TOKEN_TTL_SECONDS: 300,
      REFRESH_TOKEN_TTL_SECONDS: 3600,
    });
  });

  it.each([
    [
      { TOKEN_ISSUER: "ftp://example.com" },
      /TOKEN_ISSUER: must start with http:\/\/ or https:\/\//,
    ],
    [{ TOKEN_ISSUER: "not a url" }, /TOKEN_ISSUER: must be a URL/],
    [{ TOKEN_ISSUER: "https://example.com/" }, /TOKEN_ISSUER: must not end with \//],
    [
      { TOKEN_ISSUER: "https://example.com?x=1" },
      /TOKEN_ISSUER: must not have a query or fragment/,
    ],
    [{ ACCESS_TOKEN_TTL_SECONDS: "901" }, /ACCESS_TOKEN_TTL_SECONDS: must be at most 900/],
    [{ ACCESS_TOKEN_TTL_SECONDS: "0" }, /ACCESS_TOKEN_TTL_SECONDS: must be at least 1/],
    [{ REFRESH_TOKEN_TTL_SECONDS: "1.5" }, /REFRESH_TOKEN_TTL_SECONDS: must be an integer/],
  ])("refuses %o", (env, message) => {
    expect(() => loadConfig(IdentityConfig, { ...required, ...env })).toThrow(message);
  });

  it("requires the key secret and the internal token secret", () => {
    expect(() => loadConfig(IdentityConfig, {})).toThrow(/IDENTITY_KEY_SECRET: is required/);
    expect(() => loadConfig(IdentityConfig, {})).toThrow(/INTERNAL_TOKEN_SECRET: is required/);
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
