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
import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from "aws-lambda";
import { inBatchSpan } from "../../events/trace-context.js";
import { flushedAfterEachInvocation } from "../../invocation.js";
import { createLogger, type Logger } from "../../logger.js";
import { metrics } from "../../metrics.js";
import type { DeliveryHandler } from "../port.js";
import { createSnsSqsClients } from "./clients.js";
import {
  defaultRetryDelay,
  failureAction,
  type RetryDelay,
  sendToDeadLetterQueue,
} from "./failure.js";
import { resolveSourceQueue, type SourceQueue } from "./source-queue.js";

export interface SqsEventHandlerOptions {
  /** Used only when a record fails (defaults to clients from the environment). */
  sqs?: SQSClient;
  logger?: Logger;
  retryDelay?: RetryDelay;
}

export function sqsEventHandler(handle: DeliveryHandler, options: SqsEventHandlerOptions = {}) {
  const logger = options.logger ?? createLogger("bus");
  const retryDelay = options.retryDelay ?? defaultRetryDelay;
  let sqs = options.sqs;
  const sources = new Map<string, Promise<SourceQueue>>();

  // Resolved on the first failure from each queue, and kept for the warm container's life.
  function sourceOf(arn: string): Promise<SourceQueue> {
    let source = sources.get(arn);
    if (!source) {
      source = resolveSourceQueue(sqsClient(), { arn });
      source.catch(() => sources.delete(arn));
      sources.set(arn, source);
    }
    return source;
  }

  async function handleRecord(record: SQSRecord): Promise<void> {
    const receiveCount = Number(record.attributes.ApproximateReceiveCount);
    try {
      await handle({ messageId: record.messageId, body: record.body, receiveCount });
      return;
    } catch (error) {
      const source = await sourceOf(record.eventSourceARN).catch((lookup: unknown) => {
        // Without the DLQ we can only fail the record; SQS's own redrive still applies.
        logger.error("cannot resolve the record's queue", {
          messageId: record.messageId,
          error: lookup,
        });
        throw error;
      });
      const action = failureAction(error, receiveCount, source.maxReceiveCount, retryDelay);
      const context = { messageId: record.messageId, receiveCount, reason: action.reason };
      if (action.kind === "dead-letter") {
        logger.error("handler failed; dead-lettering", context);
        const failed = { body: record.body, attributes: attributesOf(record), receiveCount };
        // Sent to the DLQ, the record counts as handled and Lambda deletes it.
        await sendToDeadLetterQueue(sqsClient(), source.deadLetterUrl, failed, action.reason);
        metrics.count("events_dead_lettered_total", { queue: queueNameOf(record.eventSourceARN) });
        return;
      }
      logger.warn("handler failed; will retry", { ...context, delaySeconds: action.delaySeconds });
      // Best effort: retry after the backoff rather than after the whole visibility timeout.
      await sqsClient()
        .send(
          new ChangeMessageVisibilityCommand({
            QueueUrl: source.url,
            ReceiptHandle: record.receiptHandle,
            VisibilityTimeout: action.delaySeconds,
          }),
        )
        .catch((cause: unknown) =>
          logger.warn("could not shorten the retry", { ...context, error: cause as Error }),
        );
      throw error;
    }
  }

  function sqsClient(): SQSClient {
    sqs ??= createSnsSqsClients().sqs;
    return sqs;
  }

  // The batch's metrics are published (CloudWatch EMF) once it is answered.
  return flushedAfterEachInvocation(
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      // One processor per invocation: it keeps per-batch state, and tests may invoke concurrently.
      const processor = new BatchProcessor(EventType.SQS);
      const queues = [
        ...new Set(event.Records.map((record) => queueNameOf(record.eventSourceARN))),
      ];
      return inBatchSpan(
        `receive ${queues.join(" ")}`,
        { "messaging.system": "aws_sqs", "messaging.destination.name": queues.join(" ") },
        event.Records.map((record) => record.messageAttributes?.traceparent?.stringValue),
        () => processPartialResponse(event, handleRecord, processor, { context }),
      );
    },
  );
}

/** `arn:aws:sqs:eu-west-1:123456789012:slipway-dev-orders` → `slipway-dev-orders`. */
const queueNameOf = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);

/** A record's message attributes in the SDK's shape. */
function attributesOf(record: SQSRecord): Record<string, MessageAttributeValue> {
  const attributes: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(record.messageAttributes ?? {})) {
    attributes[name] =
      value.binaryValue !== undefined
        ? { DataType: value.dataType, BinaryValue: Buffer.from(value.binaryValue, "base64") }
        : { DataType: value.dataType, StringValue: value.stringValue ?? "" };
  }
  return attributes;
}
