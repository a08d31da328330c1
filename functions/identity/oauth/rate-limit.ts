/**
 * Failed logins per account and failed token requests per client, counted in the database so
 * every instance sees the same count: after MAX_FAILURES failures within WINDOW_SECONDS the
 * next attempt is refused — checked before any credential is looked at, so even the right
 * password waits — until the oldest counted failure leaves the window. Refused attempts are
 * not counted themselves: a client retrying on 429 does not push its own wait further out.
 *
 * @example
 * const limit = await checkRateLimit(db, loginKey(email));
 * if (limit.limited) return tooManyRequests(limit.retryAfterSeconds);
 * if (!(await passwordIsRight())) await recordFailure(db, loginKey(email));
 */
import { and, desc, eq, gt, lt, sql } from "drizzle-orm";
import type { IdentityDb } from "../db/open.js";
import { authFailures } from "../db/schema.js";

export const MAX_FAILURES = 5;
export const WINDOW_SECONDS = 60;

export type RateLimit = { limited: false } | { limited: true; retryAfterSeconds: number };

/** The key of an account: its email, normalized as at registration. */
export const loginKey = (normalizedEmail: string) => `login:${normalizedEmail}`;
export const clientKey = (clientId: string) => `client:${clientId}`;

// Parenthesized: it is subtracted from below.
const windowStart = sql`(now() - ${sql.raw(`interval '${WINDOW_SECONDS} seconds'`)})`;

export async function checkRateLimit(db: IdentityDb, key: string): Promise<RateLimit> {
  // The newest MAX_FAILURES failures in the window; once the oldest of them leaves it, fewer
  // than MAX_FAILURES remain and attempts are let through again. Times come from the
  // database's clock, the one clock all instances share.
  const newest = await db
    .select({
      secondsLeft: sql<number>`extract(epoch from (${authFailures.at} - ${windowStart}))::float8`,
    })
    .from(authFailures)
    .where(and(eq(authFailures.key, key), gt(authFailures.at, windowStart)))
    .orderBy(desc(authFailures.at))
    .limit(MAX_FAILURES);
  if (newest.length < MAX_FAILURES) return { limited: false };
  const oldest = Math.min(...newest.map((row) => Number(row.secondsLeft)));
  return { limited: true, retryAfterSeconds: Math.max(1, Math.ceil(oldest)) };
}

export async function recordFailure(db: IdentityDb, key: string): Promise<void> {
  // Rows past the window count for nothing: dropping them here keeps the table as small as
  // the last minute's failures, with no job to schedule.
  await db.delete(authFailures).where(lt(authFailures.at, windowStart));
  await db.insert(authFailures).values({ key });
}
