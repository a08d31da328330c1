/**
 * The Lambda entry for an SQS event source: hands each record to the consumer through
 * Powertools' `BatchProcessor`, so only the records that failed come back in
 * `batchItemFailures` (the event source mapping needs `ReportBatchItemFailures`). Failures
 * follow the same rules as the long-poll loop: backoff, then the DLQ with a reason. The batch
 * is a "receive <queue>" span linked to the records' `traceparent` attributes; each record's
 * own span continues its producer's trace.
 *
 * @example
 * // functions/catalog/consumer.ts
 * export const handler = sqsEventHandler(consumer.handle);
 */
import { BatchProcessor, EventType, processPartialResponse } from "@aws-lambda-powertools/batch";
import type { SQSClient } from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { inBatchSpan } from "../../events/trace-context.js";
import { flushedAfterEachInvocation } from "../../invocation.js";
import { createLogger, type Logger } from "../../logger.js";
import type { DeliveryHandler } from "../port.js";
import type { RetryDelay } from "./failure.js";
import { nameOfArn } from "./names.js";
import type { RecordFailures } from "./record-failure.js";

export interface SqsEventHandlerOptions {
  /** Used only when a record fails (defaults to clients from the environment). */
  sqs?: SQSClient;
  logger?: Logger;
  retryDelay?: RetryDelay;
}

export function sqsEventHandler(handle: DeliveryHandler, options: SqsEventHandlerOptions = {}) {
  const logger = options.logger ?? createLogger("bus");
  // Loaded with the AWS SDK on the first failure (record-failure.ts says why).
  let failures: Promise<RecordFailures> | undefined;

  async function handleRecord(record: SQSRecord): Promise<void> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    try {
      await handle({ messageId: record.messageId, body: record.body, receiveCount });
    } catch (error) {
      failures ??= import("./record-failure.js").then(({ createRecordFailures }) =>
        createRecordFailures({ sqs: options.sqs, logger, retryDelay: options.retryDelay }),
      );
      await (await failures).settle(record, receiveCount, error);
    }
  }

  // The batch's metrics are published (CloudWatch EMF) once it is answered.
  return flushedAfterEachInvocation(
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      // One processor per invocation: it keeps per-batch state, and tests may invoke concurrently.
      const processor = new BatchProcessor(EventType.SQS);
      const queues = [...new Set(event.Records.map((record) => nameOfArn(record.eventSourceARN)))];
      return inBatchSpan(
        `receive ${queues.join(" ")}`,
        { "messaging.system": "aws_sqs", "messaging.destination.name": queues.join(" ") },
        event.Records.map((record) => record.messageAttributes?.traceparent?.stringValue),
        () => processPartialResponse(event, handleRecord, processor, { context }),
      );
    },
  );
}
