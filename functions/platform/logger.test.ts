import { trace } from "@opentelemetry/api";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { ConfigError } from "./config.js";
import { createLogger, type LoggerOptions, type LogLevel } from "./logger.js";
import { resolveLogFormat } from "./logging/formatter.js";
import { forwardRequestId, requestLogContext, withLogContext } from "./logging/log-context.js";
import { useInMemoryTracing } from "./testing/in-memory-tracing.js";

useInMemoryTracing({ resetBeforeEach: false });
const tracer = trace.getTracer("test");

/** Everything the loggers print, stdout and stderr, line by line. */
let printed: string[] = [];
beforeEach(() => {
  printed = [];
  // Whatever the machine running the tests is, unless a test says otherwise.
  vi.stubEnv("CI", "");
  vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "");
  vi.stubEnv("LOG_FORMAT", "");
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, "write").mockImplementation((chunk: string | Uint8Array) => {
      printed.push(...String(chunk).split("\n").filter(Boolean));
      return true;
    });
  }
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
});

function jsonLogger(level: LogLevel = "DEBUG", options: LoggerOptions = {}) {
  return createLogger("orders", level, { format: "json", ...options });
}
const lines = () => printed.map((line) => JSON.parse(line) as Record<string, unknown>);
const last = () => lines().at(-1) ?? {};

describe("every line", () => {
  it("carries service, function and level, and the active span's trace and span ids", () => {
    const logger = jsonLogger();
    const span = tracer.startActiveSpan("work", (active) => {
      logger.info("inside", { orderId: "o-1" });
      active.end();
      return active.spanContext();
    });
    expect(last()).toMatchObject({
      level: "INFO",
      message: "inside",
      service: "orders",
      function: "local",
      trace_id: span.traceId,
      span_id: span.spanId,
      orderId: "o-1",
    });
  });

  it("has no trace id outside a span", () => {
    jsonLogger().info("outside");
    expect(last()).not.toHaveProperty("trace_id");
    expect(last()).not.toHaveProperty("span_id");
  });

  it("carries the message id and the fields of its log context, as a consumer", async () => {
    const logger = jsonLogger();
    await withLogContext({ messageId: "m-1", consumer: "order-saga" }, async () => {
      await Promise.resolve();
      logger.info("handled");
    });
    expect(last()).toMatchObject({
      message_id: "m-1",
      consumer: "order-saga",
      function: "consumer",
    });
    expect(last()).not.toHaveProperty("request_id");
  });

  it("does not carry a request's id into a message handled inside it", () => {
    const logger = jsonLogger();
    withLogContext({ requestId: "r-1" }, () =>
      withLogContext({ messageId: "m-2" }, () => logger.info("woken up by the request")),
    );
    expect(last()).toMatchObject({ message_id: "m-2" });
    expect(last()).not.toHaveProperty("request_id");
  });

  it("names the Lambda function in Lambda, and uses the role given elsewhere", () => {
    jsonLogger("INFO", { role: "sweeper" }).info("background");
    expect(last().function).toBe("sweeper");
    vi.stubEnv("AWS_LAMBDA_FUNCTION_NAME", "slipway-prod-OrdersApi");
    const logger = jsonLogger();
    withLogContext({ requestId: "r-2" }, () => logger.info("in lambda"));
    expect(last()).toMatchObject({ function: "slipway-prod-OrdersApi", request_id: "r-2" });
  });

  it("respects the log level", () => {
    const info = jsonLogger("INFO");
    info.debug("hidden");
    info.info("shown");
    const silent = jsonLogger("SILENT");
    silent.error("hidden too");
    expect(lines().map((line) => line.message)).toEqual(["shown"]);
  });
});

describe("requestLogContext", () => {
  function app(level: LogLevel = "DEBUG") {
    const logger = jsonLogger(level);
    const hono = new Hono();
    hono.use(requestLogContext({ logger }));
    hono.onError((error, c) => {
      logger.error("request failed", { error });
      return c.json({ error: "internal" }, 500);
    });
    hono.get("/ok", (c) => {
      logger.info("handling");
      return c.json({ ok: true });
    });
    hono.get("/fail", () => {
      throw new Error("boom");
    });
    hono.get("/raw", () => Response.json({ raw: true }));
    // Its headers are immutable, as those of a response fetch() returned.
    hono.get("/redirect", () => Response.redirect("https://example.com/elsewhere", 302));
    return hono;
  }

  it("takes a valid x-request-id, puts it on every line of the request and echoes it", async () => {
    const response = await app().request("/ok", { headers: { "x-request-id": "abc-123" } });
    expect(response.headers.get("x-request-id")).toBe("abc-123");
    expect(lines()).toEqual([
      expect.objectContaining({ message: "handling", request_id: "abc-123", function: "api" }),
      expect.objectContaining({ message: "request handled", request_id: "abc-123" }),
    ]);
  });

  it("logs each request as it ends: method, path without the query, status", async () => {
    await app().request("/ok?code=secret-code&state=s", { headers: { "x-request-id": "r-log" } });
    expect(last()).toMatchObject({
      level: "DEBUG",
      message: "request handled",
      method: "GET",
      path: "/ok",
      status: 200,
      duration_ms: expect.any(Number),
    });
    expect(printed.join("\n")).not.toContain("secret-code");
  });

  it("writes the request's line in its span, or else in the trace it came with", async () => {
    const span = await tracer.startActiveSpan("GET /ok", async (active) => {
      await app().request("/ok");
      active.end();
      return active.spanContext();
    });
    expect(last()).toMatchObject({ message: "request handled", trace_id: span.traceId });

    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    await app().request("/ok", { headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01` } });
    expect(last()).toMatchObject({ message: "request handled", trace_id: traceId });
  });

  it("replaces an unusable x-request-id with a new one", async () => {
    const response = await app().request("/ok", {
      headers: { "x-request-id": "not; a token" },
    });
    const id = response.headers.get("x-request-id") ?? "";
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines().every((line) => line.request_id === id)).toBe(true);
  });

  it("reaches the error handler's lines and responses the handler built itself", async () => {
    const failed = await app().request("/fail");
    expect(lines()[0]).toMatchObject({
      message: "request failed",
      request_id: failed.headers.get("x-request-id"),
    });
    expect(last()).toMatchObject({ message: "request handled", status: 500 });
    expect(failed.headers.get("x-request-id")).toBeTruthy();
    const raw = await app().request("/raw", { headers: { "x-request-id": "r-raw" } });
    expect(raw.headers.get("x-request-id")).toBe("r-raw");
    expect(await raw.json()).toEqual({ raw: true });
    const moved = await app().request("/redirect", { headers: { "x-request-id": "r-moved" } });
    expect(moved.status).toBe(302);
    expect(moved.headers.get("location")).toBe("https://example.com/elsewhere");
    expect(moved.headers.get("x-request-id")).toBe("r-moved");
  });

  it("writes no request line when the logger's level is above the line's", async () => {
    const response = await app("INFO").request("/ok", { headers: { "x-request-id": "r-info" } });
    expect(response.headers.get("x-request-id")).toBe("r-info");
    expect(lines()).toEqual([
      expect.objectContaining({ message: "handling", request_id: "r-info" }),
    ]);
  });

  it("uses API Gateway's request id in Lambda when the caller sent none, and names the invocation", async () => {
    const lambdaEnv = {
      event: { requestContext: { requestId: "apigw-Ab1=" } },
      lambdaContext: { awsRequestId: "c6af9ac6-7b61-11e6-9a41-93e812345678" },
    };
    const response = await app().request("/ok", {}, lambdaEnv);
    expect(response.headers.get("x-request-id")).toBe("apigw-Ab1=");
    expect(last()).toMatchObject({
      request_id: "apigw-Ab1=",
      function_request_id: "c6af9ac6-7b61-11e6-9a41-93e812345678",
    });
  });

  it("sends the request id on to the services the request calls", async () => {
    const sent = new Headers();
    const call = forwardRequestId()(async (req) => {
      for (const [name, value] of req.header) sent.set(name, value);
      return {} as never;
    });
    await withLogContext({ requestId: "r-fwd" }, () => call({ header: new Headers() } as never));
    expect(sent.get("x-request-id")).toBe("r-fwd");
  });
});

describe("output format", () => {
  it.each([
    // [configured, env, tty, expected]
    [undefined, {}, false, "json"],
    [undefined, {}, true, "pretty"],
    ["pretty", {}, false, "pretty"],
    ["json", {}, true, "json"],
    [undefined, { CI: "true" }, true, "json"],
    ["pretty", { CI: "true" }, true, "json"],
    ["pretty", { CI: "false" }, false, "pretty"],
    ["pretty", { AWS_LAMBDA_FUNCTION_NAME: "fn" }, true, "json"],
    [undefined, { AWS_LAMBDA_FUNCTION_NAME: "fn" }, true, "json"],
  ] as const)("LOG_FORMAT=%s with %o on a TTY (%s) → %s", (configured, env, tty, expected) => {
    expect(resolveLogFormat(configured, env, tty)).toBe(expected);
  });

  it("prints one readable line when pretty", () => {
    const logger = createLogger("catalog", "INFO", { format: "pretty" });
    const span = tracer.startActiveSpan("work", (active) => {
      withLogContext({ requestId: "r-9" }, () =>
        logger.info("product created", { productId: "p 1", count: 2 }),
      );
      active.end();
      return active.spanContext();
    });
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}catalog product created request_id=r-9 productId="p 1" count=2 trace=[0-9a-f]{8}$/,
    );
    expect(printed[0]).toContain(`trace=${span.traceId.slice(0, 8)}`);
  });

  it("follows a pretty error line with its stack and causes, indented", () => {
    const error = new TypeError("bad input", { cause: new Error("underneath") });
    createLogger("catalog", "INFO", { format: "pretty" }).error("failed", { error });
    expect(printed[0]).toMatch(/ ERROR catalog failed error="TypeError: bad input"$/);
    expect(printed.slice(1).every((line) => line.startsWith("    "))).toBe(true);
    expect(printed).toContain("    caused by: Error: underneath");
  });

  it("prints JSON under CI even when pretty is configured", () => {
    vi.stubEnv("CI", "true");
    createLogger("catalog", "INFO", { format: "pretty" }).info("machine readable");
    expect(JSON.parse(printed[0] ?? "")).toMatchObject({ message: "machine readable" });
  });

  it("reads LOG_FORMAT from the environment when not given, and rejects a bad one", () => {
    vi.stubEnv("LOG_FORMAT", "pretty");
    createLogger("catalog", "INFO").warn("careful");
    expect(printed[0]).toMatch(/ WARN {2}catalog careful$/);
    vi.stubEnv("LOG_FORMAT", "xml");
    expect(() => createLogger("catalog")).toThrow(ConfigError);
  });

  it("keeps the format in child loggers", () => {
    createLogger("catalog", "INFO", { format: "pretty" }).createChild().info("child");
    expect(printed[0]).toMatch(/ INFO {2}catalog child$/);
  });
});

describe("redaction", () => {
  const jwt =
    "eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJ1c2VyLTEiLCJzY29wZSI6Im9yZGVyczpyZWFkIn0.c2lnbmF0dXJlLWJ5dGVz";

  it("masks secret-looking keys at any depth, whatever their case", () => {
    jsonLogger().info("login", {
      user: "ada",
      password: "hunter2",
      request: {
        headers: { Authorization: "Bearer abc", Cookie: "sid=1", "x-slipway-credential": "c" },
        body: { client_secret: "s3", code_verifier: "v", refresh_token: "rt", accessToken: "at" },
      },
      list: [{ apiKey: "k" }],
      hasPassword: true,
    });
    const line = printed[0] ?? "";
    for (const secret of ["hunter2", "abc", "sid=1", '"c"', "s3", '"v"', '"rt"', '"at"', '"k"']) {
      expect(line).not.toContain(secret);
    }
    expect(last()).toMatchObject({
      user: "ada",
      password: "[REDACTED]",
      request: { headers: { Authorization: "[REDACTED]" }, body: { client_secret: "[REDACTED]" } },
      list: [{ apiKey: "[REDACTED]" }],
      hasPassword: true,
    });
  });

  it("masks JWTs and bearer credentials anywhere: message, values, errors", () => {
    const error = new Error(`token ${jwt} rejected`, { cause: new Error(`Bearer ${jwt}`) });
    jsonLogger().error(`verifying ${jwt}`, { note: `saw ${jwt}`, error, header: "Bearer opaque" });
    const line = printed[0] ?? "";
    expect(line).not.toMatch(/eyJ[\w-]{10,}\.[\w-]{10,}/);
    expect(line).not.toContain("opaque");
    expect(last()).toMatchObject({
      message: "verifying [REDACTED]",
      note: "saw [REDACTED]",
      header: "Bearer [REDACTED]",
      error: { name: "Error", message: "token [REDACTED] rejected" },
    });
  });

  it("never logs a Lambda event, which holds bodies and credentials", () => {
    vi.stubEnv("POWERTOOLS_LOGGER_LOG_EVENT", "true");
    const logger = jsonLogger();
    logger.logEventIfEnabled({ body: '{"password":"p"}' });
    logger.logEventIfEnabled({ body: "x" }, true);
    expect(printed).toEqual([]);
  });

  it("keeps ordinary values, cycles and bytes printable", () => {
    const cyclic: Record<string, unknown> = { id: "x" };
    cyclic.self = cyclic;
    jsonLogger().info("odd values", {
      at: new Date("2026-01-02T03:04:05.000Z"),
      big: 12n,
      bytes: new Uint8Array(1024),
      cyclic,
      code: "23505",
    });
    expect(last()).toMatchObject({
      at: "2026-01-02T03:04:05.000Z",
      big: "12",
      bytes: "[1024 bytes]",
      cyclic: { id: "x", self: "[Circular]" },
      code: "23505",
    });
  });
});
