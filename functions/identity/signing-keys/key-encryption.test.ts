import { describe, expect, it } from "vitest";
import { KeyDecryptionError, openPrivateKey, sealPrivateKey } from "./key-encryption.js";

const SECRET = "s".repeat(16) + "e".repeat(16);
const OTHER_SECRET = "e".repeat(16) + "s".repeat(16);
const PLAINTEXT = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49\n-----END PRIVATE KEY-----\n";

describe("signing key encryption", () => {
  it("seals to v1.<iv>.<tag>.<ciphertext> and opens with the same secret and kid", () => {
    const sealed = sealPrivateKey(PLAINTEXT, "kid-1", SECRET);
    expect(sealed).toMatch(/^v1\.[\w-]{16}\.[\w-]{22}\.[\w-]+$/);
    expect(sealed).not.toContain("PRIVATE KEY");
    expect(sealed).not.toContain("MIGHAgEAMBMGByqGSM49");
    expect(openPrivateKey(sealed, "kid-1", SECRET)).toBe(PLAINTEXT);
    // A fresh IV each time.
    expect(sealPrivateKey(PLAINTEXT, "kid-1", SECRET)).not.toBe(sealed);
  });

  it("fails with a wrong secret, another row's kid, or a tampered ciphertext, revealing neither", () => {
    const sealed = sealPrivateKey(PLAINTEXT, "kid-1", SECRET);
    const [version, iv, tag, ciphertext] = sealed.split(".");
    const flipped = Buffer.from(ciphertext ?? "", "base64url");
    flipped[0] = (flipped[0] ?? 0) ^ 1;
    for (const [text, kid, secret] of [
      [sealed, "kid-1", OTHER_SECRET],
      [sealed, "kid-2", SECRET],
      [[version, iv, tag, flipped.toString("base64url")].join("."), "kid-1", SECRET],
      ["v0.a.b.c", "kid-1", SECRET],
      ["not sealed", "kid-1", SECRET],
    ] as const) {
      let caught: unknown;
      try {
        openPrivateKey(text, kid, secret);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(KeyDecryptionError);
      expect(String((caught as Error).message)).not.toContain(secret);
    }
  });
});
