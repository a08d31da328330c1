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

// A hash made with today's parameters, verified against when there is no user to verify. Made
// at load, so not even the first unknown email costs more than a wrong password.
const decoy = hashPassword("decoy password that matches nothing");

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
  const stored = user?.passwordHash ?? (await decoy);
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
