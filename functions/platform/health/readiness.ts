/**
 * Readiness: named checks of what a service needs (its database, its bus, the services behind
 * a gateway), run concurrently, each given a short deadline, so an unready answer comes fast
 * and says which dependency failed and why.
 *
 * @example
 * const readiness = createReadiness({
 *   database: () => db.execute(sql`select 1`),
 *   bus: (signal) => publisher.probe?.(signal),
 * });
 * await readiness.check();
 * // { status: "unready", checks: { database: { status: "unready", latencyMs: 3, error: "read ECONNRESET" }, bus: { status: "ready", latencyMs: 2 } } }
 */

/** How long a check of a service's own dependency may take. */
export const DEPENDENCY_TIMEOUT_MS = 800;

/**
 * How long the gateway waits for a service's readiness. Longer than a service's own checks,
 * so a service whose database hangs still gets to say so.
 */
export const UPSTREAM_TIMEOUT_MS = 1_000;

export type ReadinessStatus = "ready" | "unready";

export interface CheckResult {
  status: ReadinessStatus;
  latencyMs: number;
  /** Why it is unready: the dependency's own error, without credentials. */
  error?: string;
}

export interface ReadinessReport {
  status: ReadinessStatus;
  checks: Record<string, CheckResult>;
}

/**
 * Resolves when the dependency works, rejects (or throws) with the reason when it does not.
 * `signal` aborts at the deadline; checks that can cancel their work should pass it on.
 */
export type ReadinessCheck = (signal: AbortSignal) => PromiseLike<unknown> | unknown;

export interface Readiness {
  check(): Promise<ReadinessReport>;
}

export interface ReadinessOptions {
  /** Deadline of each check; DEPENDENCY_TIMEOUT_MS unless given. */
  timeoutMs?: number;
}

export function createReadiness(
  checks: Readonly<Record<string, ReadinessCheck>>,
  options: ReadinessOptions = {},
): Readiness {
  const timeoutMs = options.timeoutMs ?? DEPENDENCY_TIMEOUT_MS;
  return {
    async check() {
      const results = await Promise.all(
        Object.entries(checks).map(
          async ([name, run]) => [name, await runCheck(run, timeoutMs)] as const,
        ),
      );
      return {
        status: results.every(([, result]) => result.status === "ready") ? "ready" : "unready",
        checks: Object.fromEntries(results),
      };
    },
  };
}

export class CheckTimeout extends Error {
  override name = "CheckTimeout";
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
  }
}

async function runCheck(run: ReadinessCheck, timeoutMs: number): Promise<CheckResult> {
  const started = performance.now();
  const latencyMs = () => Math.round(performance.now() - started);
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const timeout = new CheckTimeout(timeoutMs);
      controller.abort(timeout);
      reject(timeout);
    }, timeoutMs);
  });
  try {
    // A check that throws synchronously is as unready as one that rejects.
    await Promise.race([Promise.resolve().then(() => run(controller.signal)), deadline]);
    return { status: "ready", latencyMs: latencyMs() };
  } catch (error) {
    return { status: "unready", latencyMs: latencyMs(), error: describeError(error) };
  } finally {
    clearTimeout(timer);
  }
}

const MAX_REASON_LENGTH = 300;

/**
 * One line for an operator: the message and its causes ("fetch failed: connect ECONNREFUSED
 * …"), with any password in a URL masked.
 */
export function describeError(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; current !== undefined && depth < 4; depth++) {
    if (current instanceof Error) {
      // Node's happy-eyeballs connect fails with an AggregateError without a message.
      const first = current instanceof AggregateError ? current.errors[0] : undefined;
      const code = (current as NodeJS.ErrnoException).code;
      const text = current.message || (first instanceof Error && first.message) || code;
      if (text && !parts.includes(text)) parts.push(text);
      current = current.cause ?? (current.message ? undefined : first);
    } else {
      parts.push(String(current));
      current = undefined;
    }
  }
  const reason = redactCredentials(parts.join(": ") || "failed")
    .replace(/\s+/g, " ")
    .trim();
  return reason.length > MAX_REASON_LENGTH ? `${reason.slice(0, MAX_REASON_LENGTH - 1)}…` : reason;
}

/** `scheme://user:password@host` → `scheme://user:***@host`, wherever it appears. */
export function redactCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/[^/\s:@]*):[^/\s@]*@/gi, "$1:***@");
}
