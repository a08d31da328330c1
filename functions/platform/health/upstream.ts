/**
 * A readiness check of another service over HTTP: its `GET /health/ready`, for the gateway to
 * aggregate. An unready service's failing checks become the reason ("database: read
 * ECONNRESET").
 *
 * @example
 * createReadiness({ catalog: upstreamCheck(config.CATALOG_URL) }, { timeoutMs: UPSTREAM_TIMEOUT_MS });
 * // replicas: every one is asked, and each unready one named
 * upstreamCheck(["http://127.0.0.1:3002", "http://127.0.0.1:3012"]);
 */
import { describeError, type ReadinessCheck, type ReadinessReport } from "./readiness.js";

export function upstreamCheck(
  baseUrl: string | readonly string[],
  fetch: typeof globalThis.fetch = globalThis.fetch,
): ReadinessCheck {
  if (typeof baseUrl === "string") return replicaCheck(baseUrl, fetch);
  const replicas = baseUrl.map((url) => [url, replicaCheck(url, fetch)] as const);
  const [only] = replicas;
  if (replicas.length === 1 && only) return only[1];
  return async (signal) => {
    const results = await Promise.allSettled(replicas.map(([, check]) => check(signal)));
    const failed = results.flatMap((result, i) =>
      result.status === "rejected" ? [`${replicas[i]?.[0]}: ${describeError(result.reason)}`] : [],
    );
    if (failed.length > 0) throw new Error(failed.join("; "));
  };
}

function replicaCheck(baseUrl: string, fetch: typeof globalThis.fetch): ReadinessCheck {
  const url = new URL("/health/ready", baseUrl).toString();
  return async (signal) => {
    const response = await fetch(url, { signal, headers: { accept: "application/json" } });
    if (response.status === 200) {
      await response.body?.cancel();
      return;
    }
    const report = (await response.json().catch(() => undefined)) as ReadinessReport | undefined;
    const failed = Object.entries(report?.checks ?? {})
      .filter(([, check]) => check.status !== "ready")
      .map(([name, check]) => `${name}: ${check.error ?? "unready"}`);
    throw new Error(
      failed.length > 0 ? failed.join("; ") : `/health/ready answered ${response.status}`,
    );
  };
}
