import { describe, expect, it } from "vitest";
import {
  bearerChallenge,
  insufficientScopeChallenge,
  readBearerToken,
  statusOf,
} from "./bearer.js";
import { TokenError } from "./token-error.js";

describe("readBearerToken", () => {
  it.each([undefined, null, "", "   "])("finds no token in %j", (header) => {
    expect(readBearerToken(header)).toBeUndefined();
  });

  it.each([
    ["Bearer abc.DEF-ghi_jkl", "abc.DEF-ghi_jkl"],
    ["bearer abc", "abc"],
    ["BEARER abc", "abc"],
    ["Bearer   abc", "abc"],
    [" Bearer abc ", "abc"],
    ["Bearer a+b/c~d==", "a+b/c~d=="],
  ])("reads %j", (header, token) => {
    expect(readBearerToken(header)).toBe(token);
  });

  it.each([
    "Basic dXNlcjpwYXNz",
    "Bearer",
    "Bearer ",
    "Bearerabc",
    "Bearer abc def",
    "Bearer abc, Bearer def",
    "Bearer abc,def",
    'Bearer "abc"',
    "Bearer a=b",
    "Bearer\tabc",
    "Token abc",
  ])("refuses %j as invalid_request, without echoing it", (header) => {
    let caught: unknown;
    try {
      readBearerToken(header);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(TokenError);
    expect(caught).toMatchObject({ code: "invalid_request", reason: "malformed header" });
    // A fixed message, whatever was sent.
    expect((caught as TokenError).message).toBe(
      new TokenError("invalid_request", "malformed header").message,
    );
  });
});

describe("bearerChallenge", () => {
  it("names only the realm when no credentials were sent (RFC 6750 §3.1)", () => {
    expect(bearerChallenge()).toBe('Bearer realm="slipway"');
  });

  it("gives the error code and its fixed description", () => {
    expect(bearerChallenge(new TokenError("invalid_token", "expired"))).toBe(
      'Bearer realm="slipway", error="invalid_token", error_description="the access token expired"',
    );
  });

  it("keeps quotes and backslashes out of the quoted values", () => {
    const error = Object.assign(new TokenError("invalid_token", "malformed"), {
      message: 'a "quoted" \\ value\n',
    });
    expect(bearerChallenge(error)).toContain('error_description="a quoted  value"');
  });
});

describe("insufficientScopeChallenge", () => {
  it("lists the scopes the route needs", () => {
    expect(insufficientScopeChallenge(["orders:write", "catalog:write"])).toBe(
      'Bearer realm="slipway", error="insufficient_scope", ' +
        'error_description="the access token lacks a required scope", ' +
        'scope="orders:write catalog:write"',
    );
  });
});

describe("statusOf", () => {
  it.each([
    [new TokenError("invalid_request", "malformed header"), 400],
    [new TokenError("invalid_token", "invalid signature"), 401],
    [new TokenError("temporarily_unavailable", "keys unavailable"), 503],
  ])("answers %s with %i", (error, status) => {
    expect(statusOf(error)).toBe(status);
  });
});
