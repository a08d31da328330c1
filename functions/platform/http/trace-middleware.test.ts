// A SERVER span per request: named by route pattern, continuing an incoming traceparent,
// active for what the handler does, an error on 5xx only.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { Hono } from "hono";
import { HTTPException } from "hono/http-exception";
import { describe, expect, it } from "vitest";
import { useInMemoryTracing } from "../testing/in-memory-tracing.js";
import { traceRequests } from "./trace-middleware.js";

const exporter = useInMemoryTracing();

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const CALLER_SPAN = "00f067aa0ba902b7";

const things = new Hono()
  .get("/:id", (c) => c.json({ id: c.req.param("id") }))
  .post("/", () => {
    throw new HTTPException(400, { message: "bad thing" });
  });
const app = new Hono();
app.use(traceRequests());
app.onError((error, c) =>
  error instanceof HTTPException ? error.getResponse() : c.text("failed", 500),
);
app.route("/v1/things", things);
app.get("/boom", () => {
  throw new Error("kaput");
});
app.get("/inner", (c) => {
  // Work done while handling belongs to the request's span.
  const inner = trace.getTracer("test").startSpan("inner");
  inner.end();
  return c.text("ok");
});

const only = () => {
  const [span, ...rest] = exporter.getFinishedSpans();
  expect(rest).toEqual([]);
  if (!span) throw new Error("no span");
  return span;
};

describe("traceRequests", () => {
  it("names the span by route pattern, with http attributes, and continues a traceparent", async () => {
    const response = await app.request("http://api.test/v1/things/42", {
      headers: { traceparent: `00-${TRACE_ID}-${CALLER_SPAN}-01`, "user-agent": "tests" },
    });
    expect(response.status).toBe(200);
    const span = only();
    expect(span.name).toBe("GET /v1/things/:id");
    expect(span.kind).toBe(SpanKind.SERVER);
    expect(span.spanContext().traceId).toBe(TRACE_ID);
    expect(span.parentSpanContext).toMatchObject({ spanId: CALLER_SPAN, isRemote: true });
    expect(span.attributes).toEqual({
      "http.request.method": "GET",
      "http.route": "/v1/things/:id",
      "http.response.status_code": 200,
      "url.path": "/v1/things/42",
      "url.scheme": "http",
      "server.address": "api.test",
      "user_agent.original": "tests",
    });
    expect(span.status.code).toBe(SpanStatusCode.UNSET);
  });

  it("starts a trace of its own without a traceparent, and is the parent of inner work", async () => {
    await app.request("/inner");
    const spans = exporter.getFinishedSpans();
    const request = spans.find((span) => span.name === "GET /inner");
    const inner = spans.find((span) => span.name === "inner");
    expect(request?.parentSpanContext).toBeUndefined();
    expect(inner?.parentSpanContext?.spanId).toBe(request?.spanContext().spanId);
  });

  it("leaves a 4xx unmarked and marks a 5xx as an error", async () => {
    expect((await app.request("/v1/things", { method: "POST" })).status).toBe(400);
    const rejected = only();
    expect(rejected.name).toBe("POST /v1/things");
    expect(rejected.status.code).toBe(SpanStatusCode.UNSET);
    exporter.reset();

    expect((await app.request("/boom")).status).toBe(500);
    const failed = only();
    expect(failed.attributes["http.response.status_code"]).toBe(500);
    expect(failed.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed.events.map((event) => event.name)).toEqual(["exception"]);
  });

  it("names an unmatched request by its method only", async () => {
    expect((await app.request("/nowhere/123")).status).toBe(404);
    const span = only();
    expect(span.name).toBe("GET");
    expect(span.attributes["http.route"]).toBeUndefined();
  });
});
