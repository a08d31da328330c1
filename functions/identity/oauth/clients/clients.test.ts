import { describe, expect, it } from "vitest";
import type { IdentityDb } from "../../db/open.js";
import { type ClientRegistration, newClientSecret, registerClient } from "./clients.js";
import { isRegistrableRedirectUri, matchesRegistered } from "./redirect-uri.js";

describe("redirect URIs", () => {
  it.each([
    ["https://app.example.com/cb", true],
    ["https://app.example.com/cb?x=1", true],
    ["http://127.0.0.1/callback", true],
    ["http://[::1]:8080/cb", true],
    ["http://localhost/callback", false],
    ["http://app.example.com/cb", false],
    ["https://app.example.com/cb#frag", false],
    ["https://user:pw@app.example.com/cb", false],
    ["javascript:alert(1)", false],
    ["/relative", false],
  ])("%s can be registered: %s", (uri, expected) => {
    expect(isRegistrableRedirectUri(uri)).toBe(expected);
  });

  it("matches exactly, except for the port of a loopback URI", () => {
    const registered = ["https://app.example.com/cb", "http://127.0.0.1/callback"];
    expect(matchesRegistered("https://app.example.com/cb", registered)).toBe(true);
    expect(matchesRegistered("https://APP.example.com/cb", registered)).toBe(false);
    expect(matchesRegistered("https://app.example.com/cb/", registered)).toBe(false);
    expect(matchesRegistered("http://127.0.0.1:1/callback", registered)).toBe(true);
    expect(matchesRegistered("http://127.0.0.1:65535/callback", registered)).toBe(true);
    expect(matchesRegistered("http://127.0.0.1:0/callback", registered)).toBe(false);
    expect(matchesRegistered("http://127.0.0.1:65536/callback", registered)).toBe(false);
    expect(matchesRegistered("http://127.0.0.1:80/callback?x", registered)).toBe(false);
    expect(matchesRegistered("http://127.0.0.1@evil.com/callback", registered)).toBe(false);
  });
});

describe("registerClient", () => {
  // Refused before the database is touched.
  const db = {} as IdentityDb;
  const valid: ClientRegistration = {
    clientId: "app",
    name: "App",
    grantTypes: ["authorization_code"],
    scopes: ["profile"],
    redirectUris: ["https://app.example.com/cb"],
  };

  it.each<[string, Partial<ClientRegistration>, RegExp]>([
    ["a bad id", { clientId: "has space" }, /id must be/],
    ["an empty name", { name: " " }, /name/],
    ["no grant", { grantTypes: [] }, /grant type/],
    ["an unknown scope", { scopes: ["admin" as never] }, /known scopes/],
    ["a short secret", { secret: "short" }, /at least 32/],
    ["client_credentials without a secret", { grantTypes: ["client_credentials"] }, /confidential/],
    ["a code client without redirect URIs", { redirectUris: [] }, /redirect URI/],
    ["an http redirect URI", { redirectUris: ["http://app.example.com/cb"] }, /https/],
  ])("refuses %s", async (_name, change, message) => {
    await expect(registerClient(db, { ...valid, ...change })).rejects.toThrow(message);
  });

  it("makes 256-bit secrets", () => {
    expect(newClientSecret()).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(newClientSecret()).not.toBe(newClientSecret());
  });
});
