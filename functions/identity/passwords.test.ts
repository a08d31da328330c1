import { scryptSync } from "node:crypto";
import { describe, expect, it } from "vitest";
import { DECOY_PASSWORD_HASH } from "./oauth/authorize/credentials.js";
import { hashPassword, needsRehash, verifyPassword } from "./passwords.js";

const PASSWORD = "correct horse battery staple";

describe("password hashing", () => {
  it("stores a salted, self-describing scrypt string, never the password", async () => {
    const stored = await hashPassword(PASSWORD);
    expect(stored).toMatch(/^scrypt\$32768\$8\$1\$[\w-]{22}\$[\w-]{43}$/);
    expect(stored).not.toContain(PASSWORD);
    expect(stored).not.toContain(Buffer.from(PASSWORD).toString("base64url"));
    // A fresh salt each time: equal passwords do not give equal hashes.
    expect(await hashPassword(PASSWORD)).not.toBe(stored);
  });

  it("verifies the right password and rejects any other", async () => {
    const stored = await hashPassword(PASSWORD);
    expect(await verifyPassword(PASSWORD, stored)).toBe(true);
    expect(await verifyPassword("correct horse battery stapl", stored)).toBe(false);
    expect(await verifyPassword(`${PASSWORD} `, stored)).toBe(false);
    expect(await verifyPassword("", stored)).toBe(false);
  });

  it("treats the composed and decomposed forms of a character as the same password", async () => {
    const stored = await hashPassword("Zu\u0308rich-is-lovely");
    expect(await verifyPassword("Z\u00fcrich-is-lovely", stored)).toBe(true);
  });

  it("rejects stored strings it cannot read, or that ask for absurd costs", async () => {
    const stored = await hashPassword(PASSWORD);
    const [, , , , salt, hash] = stored.split("$");
    for (const bad of [
      "",
      "plain",
      `bcrypt$32768$8$1$${salt}$${hash}`,
      `scrypt$33$8$1$${salt}$${hash}`,
      `scrypt$${2 ** 24}$8$1$${salt}$${hash}`,
      `scrypt$32768$8$1$$${hash}`,
      `scrypt$32768$8$1$${salt}$`,
    ]) {
      expect(await verifyPassword(PASSWORD, bad)).toBe(false);
    }
  });

  it("verifies a hash made with other (older) parameters and says it needs rehashing", async () => {
    const stored = await hashPassword(PASSWORD);
    const [, , , , salt] = stored.split("$");
    const weak = scryptSync(PASSWORD, Buffer.from(salt ?? "", "base64url"), 32, {
      N: 2 ** 14,
      r: 8,
      p: 1,
    });
    const older = `scrypt$16384$8$1$${salt}$${weak.toString("base64url")}`;
    expect(await verifyPassword(PASSWORD, older)).toBe(true);
    expect(needsRehash(older)).toBe(true);
    expect(needsRehash(stored)).toBe(false);
  });

  it("has a decoy for unknown emails that costs today's verify and matches only its phrase", async () => {
    // Raise the parameters and this fails: make a new decoy with hashPassword.
    expect(needsRehash(DECOY_PASSWORD_HASH)).toBe(false);
    expect(DECOY_PASSWORD_HASH.split("$").slice(0, 4)).toEqual(
      (await hashPassword(PASSWORD)).split("$").slice(0, 4),
    );
    expect(await verifyPassword("decoy password that matches nothing", DECOY_PASSWORD_HASH)).toBe(
      true,
    );
    expect(await verifyPassword(PASSWORD, DECOY_PASSWORD_HASH)).toBe(false);
  });
});
