/**
 * What tests and benchmarks ask of the environment they run in.
 *
 * @example
 * if (unreachable && !inCi) console.warn(`${redactUrl(url)} is down: skipping`);
 */

/** Under CI a missing service is a failure, never a skip. */
export const inCi = process.env.CI === "true" || process.env.CI === "1";

/** A connection URL fit for a message: the password masked. */
export function redactUrl(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = "***";
  return parsed.toString();
}
