import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { createReadiness, describeError, type ReadinessReport } from "./readiness.js";
import { mountHealth } from "./routes.js";
import { upstreamCheck } from "./upstream.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const hang = () => new Promise<never>(() => {});

describe("createReadiness", () => {
  it("is ready when every check passes, with each one's latency", async () => {
    const readiness = createReadiness({ database: async () => {}, bus: () => sleep(20) });
    const report = await readiness.check();
    expect(report).toEqual({
      status: "ready",
      checks: {
        database: { status: "ready", latencyMs: expect.any(Number) },
        bus: { status: "ready", latencyMs: expect.any(Number) },
      },
    });
    expect(report.checks.bus?.latencyMs).toBeGreaterThanOrEqual(15);
  });

  it("is unready when any check fails, naming the failed check and its reason", async () => {
    const readiness = createReadiness({
      database: async () => {
        throw new Error("read ECONNRESET");
      },
      bus: async () => {},
    });
    const report = await readiness.check();
    expect(report.status).toBe("unready");
    expect(report.checks.database).toEqual({
      status: "unready",
      latencyMs: expect.any(Number),
      error: "read ECONNRESET",
    });
    expect(report.checks.bus?.status).toBe("ready");
  });

  it("counts a check that throws synchronously as failed", async () => {
    const readiness = createReadiness({
      bus: () => {
        throw new TypeError("no publisher");
      },
    });
    expect((await readiness.check()).checks.bus?.error).toBe("no publisher");
  });

  it("gives up on a hung check at its deadline, aborting its signal", async () => {
    let aborted: unknown;
    const readiness = createReadiness(
      {
        database: (signal) => {
          signal.addEventListener("abort", () => {
            aborted = signal.reason;
          });
          return hang();
        },
      },
      { timeoutMs: 100 },
    );
    const started = performance.now();
    const report = await readiness.check();
    const elapsed = performance.now() - started;
    expect(report.checks.database).toEqual({
      status: "unready",
      latencyMs: expect.any(Number),
      error: "no answer within 100 ms",
    });
    expect(elapsed).toBeGreaterThanOrEqual(95);
    expect(elapsed).toBeLessThan(400);
    expect(aborted).toBeInstanceOf(Error);
  });

  it("runs the checks concurrently: a report takes as long as the slowest check", async () => {
    const readiness = createReadiness(
      { a: () => sleep(200), b: () => sleep(200), c: () => sleep(200), d: hang },
      { timeoutMs: 250 },
    );
    const started = performance.now();
    const report = await readiness.check();
    expect(performance.now() - started).toBeLessThan(450);
    expect(Object.values(report.checks).map((check) => check.status)).toEqual([
      "ready",
      "ready",
      "ready",
      "unready",
    ]);
  });

  it("is ready with no checks at all", async () => {
    expect(await createReadiness({}).check()).toEqual({ status: "ready", checks: {} });
  });
});

describe("describeError", () => {
  it("follows causes and masks passwords in URLs", () => {
    const error = new Error("fetch failed", {
      cause: new Error("connect to postgres://app:s3cret@db:5432/app refused"),
    });
    expect(describeError(error)).toBe(
      "fetch failed: connect to postgres://app:***@db:5432/app refused",
    );
    expect(describeError(new Error("amqp://guest:guest@127.0.0.1:5672 is down"))).toBe(
      "amqp://guest:***@127.0.0.1:5672 is down",
    );
  });

  it("reads the first error of an AggregateError without a message, and non-errors", () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:1"), {
      code: "ECONNREFUSED",
    });
    expect(describeError(new AggregateError([refused], ""))).toBe(
      "connect ECONNREFUSED 127.0.0.1:1",
    );
    expect(describeError("down")).toBe("down");
  });
});

describe("mountHealth", () => {
  const appWith = (checks: Parameters<typeof createReadiness>[0]) => {
    const app = new Hono();
    mountHealth(app, createReadiness(checks));
    return app;
  };

  it("answers liveness with 200, uncached", async () => {
    const response = await appWith({}).request("/health/live");
    expect(response.status).toBe(200);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("answers readiness with 200 when ready and 503 with the reasons when not, uncached", async () => {
    const ready = await appWith({ database: async () => {} }).request("/health/ready");
    expect(ready.status).toBe(200);
    expect(ready.headers.get("cache-control")).toBe("no-store");
    expect(ready.headers.get("content-type")).toMatch(/^application\/json/);
    expect(((await ready.json()) as ReadinessReport).status).toBe("ready");

    const unready = await appWith({
      database: async () => {},
      bus: async () => {
        throw new Error("Channel closed");
      },
    }).request("/health/ready");
    expect(unready.status).toBe(503);
    expect(unready.headers.get("cache-control")).toBe("no-store");
    expect(await unready.json()).toMatchObject({
      status: "unready",
      checks: {
        database: { status: "ready" },
        bus: { status: "unready", error: "Channel closed" },
      },
    });
  });

  it("mounts only liveness when it has nothing to check", async () => {
    const app = new Hono();
    mountHealth(app);
    expect((await app.request("/health/live")).status).toBe(200);
    expect((await app.request("/health/ready")).status).toBe(404);
  });
});

describe("upstreamCheck", () => {
  const service = (checks: Parameters<typeof createReadiness>[0]) => {
    const app = new Hono();
    mountHealth(app, createReadiness(checks));
    return (input: RequestInfo | URL, init?: RequestInit) => app.request(input, init);
  };
  const gateway = (fetch: typeof globalThis.fetch, timeoutMs = 1_000) =>
    createReadiness({ catalog: upstreamCheck("http://catalog.test", fetch) }, { timeoutMs });

  it("passes when the service is ready", async () => {
    const report = await gateway(service({ database: async () => {} }) as typeof fetch).check();
    expect(report.status).toBe("ready");
  });

  it("fails with the service's failing checks and their reasons", async () => {
    const report = await gateway(
      service({
        database: async () => {
          throw new Error("read ECONNRESET");
        },
        bus: async () => {},
      }) as typeof fetch,
    ).check();
    expect(report.checks.catalog).toMatchObject({
      status: "unready",
      error: "database: read ECONNRESET",
    });
  });

  it("fails when the service does not answer, or answers something else", async () => {
    const refused: typeof fetch = async () => {
      throw new TypeError("fetch failed", { cause: new Error("connect ECONNREFUSED") });
    };
    expect((await gateway(refused).check()).checks.catalog?.error).toBe(
      "fetch failed: connect ECONNREFUSED",
    );
    const notFound: typeof fetch = async () => new Response("not found", { status: 404 });
    expect((await gateway(notFound).check()).checks.catalog?.error).toBe(
      "/health/ready answered 404",
    );
    const hung: typeof fetch = (_input, init) =>
      new Promise((_, reject) =>
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason)),
      );
    expect((await gateway(hung, 100).check()).checks.catalog?.error).toBe(
      "no answer within 100 ms",
    );
  });
});
