/**
 * Deletes authorization codes and refresh tokens a day after they expired: by then they can
 * grant nothing, and keeping them a little past expiry lets a late replay still be recognised
 * as one (and its family revoked) rather than answered as an unknown token. Run it now and then
 * (hourly under `npm start`, a scheduled job when deployed).
 *
 * @example
 * const { codes, refreshTokens } = await pruneOAuth(db);
 */
import { lt, sql } from "drizzle-orm";
import type { IdentityDb } from "../db/open.js";
import { authorizationCodes, refreshTokens } from "../db/schema.js";

export const RETENTION_AFTER_EXPIRY_SECONDS = 24 * 60 * 60;

const cutoff = sql`(now() - ${sql.raw(`interval '${RETENTION_AFTER_EXPIRY_SECONDS} seconds'`)})`;

export async function pruneOAuth(
  db: IdentityDb,
): Promise<{ codes: number; refreshTokens: number }> {
  const codes = await db
    .delete(authorizationCodes)
    .where(lt(authorizationCodes.expiresAt, cutoff))
    .returning({ codeHash: authorizationCodes.codeHash });
  const tokens = await db
    .delete(refreshTokens)
    .where(lt(refreshTokens.expiresAt, cutoff))
    .returning({ tokenHash: refreshTokens.tokenHash });
  return { codes: codes.length, refreshTokens: tokens.length };
}
