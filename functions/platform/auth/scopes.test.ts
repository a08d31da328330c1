import { describe, expect, it } from "vitest";
import { hasScopes, isScope, parseScope, SCOPES } from "./scopes.js";

describe("scopes", () => {
  it("are the four the API knows", () => {
    expect(SCOPES).toEqual(["profile", "orders:read", "orders:write", "catalog:write"]);
    expect(isScope("orders:read")).toBe(true);
    expect(isScope("admin")).toBe(false);
  });

  it("parses a space-separated scope claim, ignoring repeated spaces", () => {
    expect(parseScope(" profile  orders:read profile ")).toEqual(
      new Set(["profile", "orders:read"]),
    );
    expect(parseScope("")).toEqual(new Set());
  });

  it("are granted only when every required one is", () => {
    const granted = new Set(["profile", "orders:read"]);
    expect(hasScopes(granted, ["orders:read"])).toBe(true);
    expect(hasScopes(granted, ["profile", "orders:read"])).toBe(true);
    expect(hasScopes(granted, ["orders:read", "orders:write"])).toBe(false);
    expect(hasScopes(new Set(), [])).toBe(true);
  });

  it("match by exact name, not by prefix", () => {
    expect(hasScopes(new Set(["orders"]), ["orders:read"])).toBe(false);
    expect(hasScopes(new Set(["orders:read:all"]), ["orders:read"])).toBe(false);
  });
});
