/**
 * Authorization codes: one use, 60 seconds, bound to the client, the redirect URI and the PKCE
 * challenge. Only the code's hash is stored; the token endpoint redeems it
 * (token/authorization-code-grant.ts).
 *
 * @example
 * const code = await issueAuthorizationCode(db, { clientId, userId, redirectUri, codeChallenge, scope });
 */
import { sql } from "drizzle-orm";
import type { IdentityDb } from "../../db/open.js";
import { authorizationCodes } from "../../db/schema.js";
import { hashOpaqueToken, newOpaqueToken } from "../opaque-tokens.js";

export const CODE_TTL_SECONDS = 60;

export interface CodeGrant {
  clientId: string;
  userId: string;
  redirectUri: string;
  codeChallenge: string;
  /** Space-separated. */
  scope: string;
}

export async function issueAuthorizationCode(db: IdentityDb, grant: CodeGrant): Promise<string> {
  const code = newOpaqueToken();
  await db.insert(authorizationCodes).values({
    codeHash: hashOpaqueToken(code),
    ...grant,
    expiresAt: sql`now() + ${sql.raw(`interval '${CODE_TTL_SECONDS} seconds'`)}`,
  });
  return code;
}
