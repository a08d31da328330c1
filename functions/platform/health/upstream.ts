/**
 * A readiness check of another service over HTTP: its `GET /health/ready`, for the gateway to
 * aggregate. An unready service's failing checks become the reason ("database: read
 * ECONNRESET").
 *
 * @example
 * createReadiness({ catalog: upstreamCheck(config.CATALOG_URL) }, { timeoutMs: UPSTREAM_TIMEOUT_MS });
 */
import type { ReadinessCheck, ReadinessReport } from "./readiness.js";

export function upstreamCheck(
  baseUrl: string,
  fetch: typeof globalThis.fetch = globalThis.fetch,
): ReadinessCheck {
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
