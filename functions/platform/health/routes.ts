/**
 * The health routes every app mounts: `GET /health/live` (the process answers: 200) and, given
 * its readiness, `GET /health/ready` (200 when every check passes, else 503 naming the ones
 * that failed). Never cached: a probe must see now, not a proxy's copy.
 *
 * @example
 * mountHealth(app, createReadiness({ database: databaseCheck(db) }));
 * // GET /health/ready → 503 { status: "unready", checks: { database: { status: "unready", latencyMs: 2, error: "read ECONNRESET" } } }
 */
import type { Hono } from "hono";
import type { Readiness } from "./readiness.js";

const NO_STORE = { "cache-control": "no-store" };

/** Without `readiness` only liveness is mounted: an app that checks nothing claims nothing. */
export function mountHealth(app: Hono, readiness?: Readiness): void {
  app.get("/health/live", (c) => c.json({ status: "ok" }, 200, NO_STORE));
  if (!readiness) return;
  app.get("/health/ready", async (c) => {
    const report = await readiness.check();
    return c.json(report, report.status === "ready" ? 200 : 503, NO_STORE);
  });
}
