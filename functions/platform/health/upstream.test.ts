import { describe, expect, it } from "vitest";
import { createReadiness } from "./readiness.js";
import { upstreamCheck } from "./upstream.js";

/** Answers /health/ready per host: ready, or unready with the failing check. */
const fakeReplicas: typeof fetch = async (input) => {
  const { host } = new URL(String(input));
  if (host === "down:1") throw new TypeError("fetch failed", { cause: new Error("ECONNREFUSED") });
  if (host === "sick:1") {
    return Response.json(
      { status: "unready", checks: { database: { status: "unready", error: "read ECONNRESET" } } },
      { status: 503 },
    );
  }
  return new Response(null, { status: 200 });
};

describe("upstreamCheck over replicas", () => {
  it("is ready when every replica is", async () => {
    const readiness = createReadiness({
      catalog: upstreamCheck(["http://a:1", "http://b:1"], fakeReplicas),
    });
    expect((await readiness.check()).status).toBe("ready");
  });

  it("names each unready replica and why", async () => {
    const readiness = createReadiness({
      catalog: upstreamCheck(["http://a:1", "http://down:1", "http://sick:1"], fakeReplicas),
    });
    const report = await readiness.check();
    expect(report.status).toBe("unready");
    expect(report.checks.catalog?.error).toBe(
      "http://down:1: fetch failed: ECONNREFUSED; http://sick:1: database: read ECONNRESET",
    );
  });

  it("reports one URL as before", async () => {
    const report = await createReadiness({
      catalog: upstreamCheck(["http://sick:1"], fakeReplicas),
    }).check();
    expect(report.checks.catalog?.error).toBe("database: read ECONNRESET");
  });
});
