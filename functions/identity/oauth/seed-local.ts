/**
 * Access for local runs only (`npm start`): the CLI's public client, an admin machine client
 * and a demo customer, so a laptop can sign in and call the API with no setup. Secrets are
 * made once, kept in DATA_DIR readable by the owner only, and never logged; running it again
 * changes nothing, and the files are the truth (a reset database gets them back). Deployed
 * stages register their clients elsewhere; nothing here runs there.
 *
 * @example
 * const { adminSecretFile, demoPasswordFile } = await seedLocalAccess(db, { dataDir: config.DATA_DIR });
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { eq } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import type { IdentityDb } from "../db/open.js";
import { users } from "../db/schema.js";
import { hashPassword, verifyPassword } from "../passwords.js";
import { normalizeEmail, passwordMentionsEmail } from "../user.js";
import { newClientSecret, registerClient } from "./clients/clients.js";

export const CLI_CLIENT_ID = "slipway-cli";
export const CLI_REDIRECT_URI = "http://127.0.0.1/callback";
export const ADMIN_CLIENT_ID = "slipway-admin";
export const DEMO_EMAIL = "demo@slipway.dev";

export interface LocalAccess {
  /** Holds the slipway-admin client's secret. */
  adminSecretFile: string;
  /** Holds the password of demo@slipway.dev. */
  demoPasswordFile: string;
}

export async function seedLocalAccess(
  db: IdentityDb,
  { dataDir }: { dataDir: string },
): Promise<LocalAccess> {
  const adminSecretFile = join(dataDir, "admin-client-secret");
  const demoPasswordFile = join(dataDir, "demo-password");
  await registerClient(db, {
    clientId: CLI_CLIENT_ID,
    name: "slipway CLI",
    grantTypes: ["authorization_code", "refresh_token"],
    scopes: ["profile", "orders:read", "orders:write"],
    redirectUris: [CLI_REDIRECT_URI],
  });
  await registerClient(db, {
    clientId: ADMIN_CLIENT_ID,
    name: "slipway admin",
    grantTypes: ["client_credentials"],
    scopes: ["catalog:write"],
    secret: await secretFile(adminSecretFile, newClientSecret),
  });
  await ensureDemoCustomer(db, await secretFile(demoPasswordFile, demoPassword));
  return { adminSecretFile, demoPasswordFile };
}

async function ensureDemoCustomer(db: IdentityDb, password: string): Promise<void> {
  const emailNormalized = normalizeEmail(DEMO_EMAIL);
  const [existing] = await db
    .select({ id: users.id, passwordHash: users.passwordHash })
    .from(users)
    .where(eq(users.emailNormalized, emailNormalized));
  if (existing && (await verifyPassword(password, existing.passwordHash))) return;
  const passwordHash = await hashPassword(password);
  if (existing) {
    await db.update(users).set({ passwordHash }).where(eq(users.id, existing.id));
    return;
  }
  await db
    .insert(users)
    .values({
      id: uuidv7(),
      email: DEMO_EMAIL,
      emailNormalized,
      passwordHash,
      displayName: "Demo Customer",
    })
    // Another instance seeding at the same moment made it with the same password file.
    .onConflictDoNothing();
}

function demoPassword(): string {
  for (;;) {
    const password = randomBytes(18).toString("base64url");
    if (!passwordMentionsEmail(password, DEMO_EMAIL)) return password;
  }
}

/** The secret in `path`, made by `make` (owner-readable only) when the file does not exist. */
async function secretFile(path: string, make: () => string): Promise<string> {
  const existing = await readFile(path, "utf8").catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  await mkdir(dirname(path), { recursive: true });
  // "wx": two processes starting at once must not overwrite each other's secret.
  await writeFile(path, `${make()}\n`, { mode: 0o600, flag: "wx" }).catch((error) => {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  });
  return (await readFile(path, "utf8")).trim();
}
