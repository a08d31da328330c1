/**
 * The identity key secret for local runs only: made once, kept in DATA_DIR (owner-readable),
 * so `npm start` works with no setup and keeps its signing keys across restarts. Deployed
 * stages get IDENTITY_KEY_SECRET from their secret store instead; nothing here runs there.
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function localSecret(dataDir: string): Promise<string> {
  const path = join(dataDir, "identity-key-secret");
  const existing = await readFile(path, "utf8").catch(() => undefined);
  if (existing?.trim()) return existing.trim();
  await mkdir(dataDir, { recursive: true });
  const secret = randomBytes(48).toString("base64url");
  // "wx": two processes starting at once must not overwrite each other's secret.
  await writeFile(path, secret, { mode: 0o600, flag: "wx" }).catch(async (error) => {
    if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
  });
  return (await readFile(path, "utf8")).trim();
}
