/**
 * Opaque secrets the authorization server hands out (authorization codes, refresh tokens,
 * client secrets) and the hashes it keeps instead of them.
 *
 * SHA-256, not a slow password hash: these are 256 random bits made here, so there is nothing
 * to guess and a leaked hash cannot be reversed by brute force; a memory-hard KDF would only
 * slow every token request. Looking a hash up by primary key is not a timing oracle for the
 * same reason: learning a prefix of a hash tells nothing about any token.
 *
 * @example
 * const code = newOpaqueToken(); // give it out once
 * await db.insert(codes).values({ codeHash: hashOpaqueToken(code) });
 */
import { createHash, randomBytes, timingSafeEqual } from "node:crypto";

/** 32 random bytes, base64url (43 characters). */
export const newOpaqueToken = (): string => randomBytes(32).toString("base64url");

export const hashOpaqueToken = (token: string): string =>
  createHash("sha256").update(token, "utf8").digest("base64url");

/** Compares a presented token with a stored hash in time that does not depend on where they differ. */
export function matchesHash(token: string, storedHash: string): boolean {
  const presented = Buffer.from(hashOpaqueToken(token));
  const stored = Buffer.from(storedHash);
  return presented.length === stored.length && timingSafeEqual(presented, stored);
}
