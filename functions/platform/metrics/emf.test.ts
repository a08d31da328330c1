import type { APIGatewayProxyEventV2, APIGatewayProxyResult, SQSEvent } from "aws-lambda";
import { Hono } from "hono";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { sqsEventHandler } from "../bus/sns-sqs/sqs-event-handler.js";
import { lambdaHandler } from "../lambda.js";
import { metrics } from "../metrics.js";
import { apiGatewayEvent, lambdaContext } from "../testing/api-gateway-event.js";
import { createEmfSink, installLambdaMetrics, withMetricsFlush } from "./emf.js";

interface EmfDocument {
  _aws: {
    Timestamp: number;
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: unknown[] }[];
  };
  [key: string]: unknown;
}

/** The EMF documents written to stdout (Powertools' console writes there) since `beforeEach`. */
let written: string[] = [];
const documents = (): EmfDocument[] =>
  written
    .flatMap((chunk) => chunk.split("\n"))
    .filter((line) => line.includes('"_aws"'))
    .map((line) => JSON.parse(line) as EmfDocument);

beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
});

describe("the EMF sink", () => {
  it("publishes one document per dimension set per flush, counts summed, durations kept", () => {
    const sink = createEmfSink({ service: "orders" });
    sink.count("orders_placed_total");
    sink.count("orders_placed_total", {}, 2);
    sink.count("payments_total", { outcome: "authorized" });
    sink.count("payments_total", { outcome: "authorized" });
    sink.count("payments_total", { outcome: "declined" });
    sink.duration("rpc_server_duration_ms", 12.5, { procedure: "/p.S/M", code: "ok" });
    sink.duration("rpc_server_duration_ms", 30, { code: "ok", procedure: "/p.S/M" });
    expect(documents()).toEqual([]);

    sink.flush();
    const [plain, authorized, declined, rpc, ...rest] = documents();
    expect(rest).toEqual([]);
    expect(plain).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Namespace: "slipway",
            Dimensions: [["service"]],
            Metrics: [{ Name: "orders_placed_total", Unit: "Count" }],
          },
        ],
      },
      service: "orders",
      orders_placed_total: 3,
    });
    expect(typeof plain?._aws.Timestamp).toBe("number");
    expect(authorized).toMatchObject({
      _aws: { CloudWatchMetrics: [{ Namespace: "slipway", Dimensions: [["service", "outcome"]] }] },
      service: "orders",
      outcome: "authorized",
      payments_total: 2,
    });
    expect(declined).toMatchObject({ outcome: "declined", payments_total: 1 });
    expect(rpc).toMatchObject({
      _aws: {
        CloudWatchMetrics: [
          {
            Dimensions: [["service", "code", "procedure"]],
            Metrics: [{ Name: "rpc_server_duration_ms", Unit: "Milliseconds" }],
          },
        ],
      },
      code: "ok",
      procedure: "/p.S/M",
      rpc_server_duration_ms: [12.5, 30],
    });
  });

  it("publishes nothing, and warns of nothing, when an invocation recorded nothing", () => {
    const sink = createEmfSink({ service: "orders" });
    sink.count("orders_placed_total");
    sink.flush();
    sink.flush();
    expect(documents()).toHaveLength(1);
    expect(written.join("")).not.toContain("No application metrics");
  });

  it("becomes where `metrics` records once installed, and stays the same sink", () => {
    const sink = installLambdaMetrics({ service: "payments" });
    expect(installLambdaMetrics({ service: "other" })).toBe(sink);
    metrics.count("payments_total", { outcome: "captured" });
    sink.flush();
    expect(documents()).toMatchObject([
      { service: "payments", outcome: "captured", payments_total: 1 },
    ]);
  });
});

describe("flushing after each invocation", () => {
  it("flushes once per invocation, after it answers or throws", async () => {
    const flush = vi.fn();
    let flushedBefore = -1;
    const handler = withMetricsFlush(
      async (fail: boolean) => {
        flushedBefore = flush.mock.calls.length;
        if (fail) throw new Error("boom");
        return "done";
      },
      { flush },
    );
    await expect(handler(false)).resolves.toBe("done");
    expect(flushedBefore).toBe(0);
    expect(flush).toHaveBeenCalledTimes(1);
    await expect(handler(true)).rejects.toThrow("boom");
    expect(flush).toHaveBeenCalledTimes(2);
  });

  it("the API Gateway wrapper publishes each request's metrics when it answers", async () => {
    const app = new Hono().get("/hello", (c) => {
      metrics.count("orders_placed_total");
      return c.text("hi");
    });
    // Hono's own event type differs from aws-lambda's in details; AWS sends the latter.
    const handler = lambdaHandler(app) as unknown as (
      event: APIGatewayProxyEventV2,
      context: unknown,
    ) => Promise<APIGatewayProxyResult>;
    for (let i = 0; i < 2; i++) {
      const event = apiGatewayEvent({ method: "GET", path: "/hello" });
      const response = await handler(event, lambdaContext("test"));
      expect(response).toMatchObject({ statusCode: 200, body: "hi" });
      expect(documents()).toHaveLength(i + 1);
    }
    expect(documents().map((doc) => doc.orders_placed_total)).toEqual([1, 1]);
  });

  it("the SQS wrapper publishes a batch's metrics once, after the batch", async () => {
    const handler = sqsEventHandler(async () => {
      metrics.count("events_consumed_total", { consumer: "test", outcome: "ok" });
    });
    const answer = await handler(sqsEvent(3), lambdaContext("test"));
    expect(answer).toEqual({ batchItemFailures: [] });
    expect(documents()).toMatchObject([{ consumer: "test", events_consumed_total: 3 }]);
  });
});

function sqsEvent(records: number): SQSEvent {
  return {
    Records: Array.from({ length: records }, (_, i) => ({
      messageId: `m-${i}`,
      receiptHandle: `r-${i}`,
      body: "{}",
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: "0",
        SenderId: "s",
        ApproximateFirstReceiveTimestamp: "0",
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:eu-west-1:000000000000:q",
      awsRegion: "eu-west-1",
    })),
  };
}
