/**
 * Scheduled jobs for the local runners: where a deployed stage has one Cron per job, a local
 * process runs the same pass on a timer.
 *
 * @example
 * const stop = every(60 * 60_000, () => catalog.prune(), logger);
 * await stop(); // waits for a pass under way
 */
import type { Logger } from "../platform/logger.js";

/** Runs `job` every `intervalMs` (not overlapping itself); returns its stop function. */
export function every(intervalMs: number, job: () => Promise<unknown>, logger: Logger) {
  let current: Promise<unknown> = Promise.resolve();
  const timer = setInterval(() => {
    current = current.then(job).catch((error) => logger.error("scheduled job failed", { error }));
  }, intervalMs);
  return async () => {
    clearInterval(timer);
    await current;
  };
}
