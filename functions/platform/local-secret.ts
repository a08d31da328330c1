/**
 * Secrets for local runs only: each made once, kept in DATA_DIR (owner-readable), so
 * `npm start` works with no setup and keeps its signing keys across restarts. Deployed stages
 * get their secrets from their secret store instead; nothing here runs there.
 *
 * @example
 * const secret = process.env.INTERNAL_TOKEN_SECRET || (await localSecret(dataDir, "internal-token-secret"));
 */
import { randomBytes } from "node:crypto";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";

export async function localSecret(dataDir: string, name: string): Promise<string> {
  const path = join(dataDir, name);
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
