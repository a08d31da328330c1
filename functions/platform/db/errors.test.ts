import { describe, expect, it } from "vitest";
import {
  isCheckViolation,
  isNumericOutOfRange,
  isUniqueViolation,
  withoutQueryParameters,
} from "./errors.js";

// The shapes postgres.js and PGlite raise, and Drizzle's wrapper around them.
const postgresJs = { code: "23505", constraint_name: "products_sku_unique" };
const pglite = { code: "23514", constraint: "products_stock_non_negative" };
const wrapped = (cause: unknown) => Object.assign(new Error("Failed query"), { cause });

describe("withoutQueryParameters", () => {
  it("keeps the SQL and the reason of a failed query, and drops its parameters", () => {
    const failed = Object.assign(new Error("Failed query: insert ... params: secret-hash"), {
      query: "insert into identity.users (email, password_hash) values ($1, $2)",
      params: ["a@example.com", "scrypt$secret-hash"],
      cause: Object.assign(new Error("duplicate key value"), { code: "23505" }),
    });
    const safe = withoutQueryParameters(failed) as Error & { code?: string };
    expect(safe.message).toContain("insert into identity.users");
    expect(safe.message).toContain("duplicate key value");
    expect(JSON.stringify({ ...safe, message: safe.message })).not.toMatch(/secret-hash|a@example/);
    expect(safe.code).toBe("23505");
  });

  it("leaves other errors alone", () => {
    const plain = new Error("boom");
    expect(withoutQueryParameters(plain)).toBe(plain);
  });
});

describe("Postgres error recognition", () => {
  it("recognises a unique violation by code and constraint, through Drizzle's wrapper", () => {
    expect(isUniqueViolation(wrapped(postgresJs), "products_sku_unique")).toBe(true);
    expect(isUniqueViolation(wrapped(postgresJs), "other_constraint")).toBe(false);
    expect(isUniqueViolation(postgresJs)).toBe(true);
  });

  it("recognises a check violation as PGlite names its constraint", () => {
    expect(isCheckViolation(wrapped(pglite), "products_stock_non_negative")).toBe(true);
    expect(isUniqueViolation(wrapped(pglite))).toBe(false);
  });

  it("recognises numeric overflow", () => {
    expect(isNumericOutOfRange(wrapped({ code: "22003" }))).toBe(true);
  });

  it("ignores errors that are not from Postgres", () => {
    expect(isUniqueViolation(new Error("boom"))).toBe(false);
    expect(isCheckViolation(Object.assign(new Error("x"), { code: "ECONNREFUSED" }))).toBe(false);
    expect(isCheckViolation(undefined)).toBe(false);
  });
});
