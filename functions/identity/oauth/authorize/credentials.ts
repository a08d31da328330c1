/**
 * Checks an email and password for the sign-in form. An unknown email costs the same scrypt
 * work as a wrong password, so the answer's timing does not tell which accounts exist.
 *
 * @example
 * const user = await checkCredentials(db, email, password); // undefined when wrong
 */
import { eq } from "drizzle-orm";
import type { IdentityDb } from "../../db/open.js";
import { users } from "../../db/schema.js";
import { hashPassword, needsRehash, verifyPassword } from "../../passwords.js";
import { MAX_EMAIL_LENGTH, MAX_PASSWORD_LENGTH, normalizeEmail } from "../../user.js";

/** The email as accounts are keyed: registration stores lower(email). */
export const normalizeLoginEmail = (email: string) => normalizeEmail(email.trim());

/**
 * Verified against when there is no user to verify, so an unknown email costs what a wrong
 * password does. It hashes a phrase nobody's password is ("decoy password that matches
 * nothing") with today's parameters; written out rather than made at load, where it cost every
 * cold start a scrypt. passwords.test.ts fails when the parameters rise past it.
 */
export const DECOY_PASSWORD_HASH =
  "scrypt$32768$8$1$6QR49hc8WLqVtgThOoWZBQ$kPEL_4eddOGG0GKvAn-bPXj3uePFgI9TVS9XKFnG_hM";

export async function checkCredentials(
  db: IdentityDb,
  email: string,
  password: string,
): Promise<{ id: string } | undefined> {
  const normalized = normalizeLoginEmail(email);
  const [user] =
    normalized.length <= MAX_EMAIL_LENGTH
      ? await db
          .select({ id: users.id, passwordHash: users.passwordHash })
          .from(users)
          .where(eq(users.emailNormalized, normalized))
      : [];
  // Over-long passwords are never right (registration refuses them); they still cost a check.
  const candidate = [...password].length <= MAX_PASSWORD_LENGTH ? password : "";
  const stored = user?.passwordHash ?? DECOY_PASSWORD_HASH;
  const matches = await verifyPassword(candidate, stored);
  if (!user || !matches || candidate === "") return undefined;
  if (needsRehash(user.passwordHash)) {
    await db
      .update(users)
      .set({ passwordHash: await hashPassword(password) })
      .where(eq(users.id, user.id));
  }
  return { id: user.id };
}
