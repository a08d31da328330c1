// Drives the payments Lambda entry points as AWS would: an SQS batch of saga events to the
// consumer (partial batch response), then GetPayment over Connect JSON through API Gateway.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type {
  APIGatewayProxyEventV2,
  APIGatewayProxyResult,
  Context,
  SQSBatchResponse,
  SQSEvent,
} from "aws-lambda";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { CREDENTIAL_HEADER } from "../platform/auth/internal-credential.js";
import { TEST_INTERNAL_SECRET } from "../platform/auth/testing.js";
import type { Envelope } from "../platform/events/envelope.js";
import { apiGatewayEvent, lambdaContext } from "../platform/testing/api-gateway-event.js";
import { testCredential } from "../platform/testing/credentials.js";
import { ORDERS_SERVICE, testOrder } from "./testing.js";

type HttpHandler = (
  event: APIGatewayProxyEventV2,
  context: unknown,
) => Promise<APIGatewayProxyResult>;
type SqsHandler = (event: SQSEvent, context: Context) => Promise<SQSBatchResponse>;

function sqsEvent(envelopes: Envelope[]): SQSEvent {
  return {
    Records: envelopes.map((envelope, i) => ({
      messageId: `message-${i}`,
      receiptHandle: `receipt-${i}`,
      body: JSON.stringify(envelope),
      attributes: {
        ApproximateReceiveCount: "1",
        SentTimestamp: String(Date.now()),
        SenderId: "sns",
        ApproximateFirstReceiveTimestamp: String(Date.now()),
      },
      messageAttributes: {},
      md5OfBody: "",
      eventSource: "aws:sqs",
      eventSourceARN: "arn:aws:sqs:us-east-1:000000000000:slipway-payments",
      awsRegion: "us-east-1",
    })),
  };
}

describe("payments Lambda handlers", () => {
  let dataDir: string;
  let http: HttpHandler;
  let consume: SqsHandler;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slipway-payments-lambda-"));
    vi.stubEnv("DATA_DIR", dataDir);
    vi.stubEnv("DATABASE_URL", undefined);
    vi.stubEnv("LOG_LEVEL", "SILENT");
    vi.stubEnv("INTERNAL_TOKEN_SECRET", TEST_INTERNAL_SECRET);
    vi.resetModules();
    // Each entry starts the service at import (a cold start); in one process they share the
    // embedded database.
    http = (await import("./lambda.js")).handler as unknown as HttpHandler;
    consume = (await import("./consumer.js")).handler as unknown as SqsHandler;
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("applies a batch of saga events, then answers the payment", async () => {
    const order = testOrder({ amountMinor: 700n });
    const response = await consume(
      sqsEvent([order.placed(), order.reserved()]),
      lambdaContext("slipway-payments-consumer"),
    );
    expect(response.batchItemFailures).toEqual([]);

    const result = await http(
      apiGatewayEvent({
        method: "POST",
        path: "/slipway.payments.v1.PaymentsService/GetPayment",
        headers: {
          "content-type": "application/json",
          "connect-protocol-version": "1",
          [CREDENTIAL_HEADER]: await testCredential("payments", ORDERS_SERVICE),
        },
        text: JSON.stringify({ orderId: order.id }),
      }),
      lambdaContext("slipway-payments"),
    );
    expect(result.statusCode).toBe(200);
    expect(JSON.parse(result.body)).toMatchObject({
      payment: {
        orderId: order.id,
        status: "PAYMENT_STATUS_AUTHORIZED",
        amount: { amountMinor: "700", currency: "EUR" },
      },
    });
  });
});
