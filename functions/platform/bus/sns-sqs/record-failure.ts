/**
 * What the Lambda SQS handler (sqs-event-handler.ts) does with a record its consumer failed:
 * the DLQ now, with the reason, or a retry after the backoff (the record's visibility cut to
 * it). Apart from the handler because it needs the AWS SDK, which the handler loads only when
 * a record first fails: a consumer whose records succeed never loads it.
 *
 * @example
 * const failures = createRecordFailures({ logger });
 * await failures.settle(record, receiveCount, error); // resolves when dead-lettered, else throws
 */
import {
  ChangeMessageVisibilityCommand,
  type MessageAttributeValue,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { SQSRecord } from "aws-lambda";
import type { Logger } from "../../logger.js";
import { metrics } from "../../metrics.js";
import { createSnsSqsClients } from "./clients.js";
import {
  defaultRetryDelay,
  failureAction,
  type RetryDelay,
  sendToDeadLetterQueue,
} from "./failure.js";
import { nameOfArn } from "./names.js";
import { resolveSourceQueue, type SourceQueue } from "./source-queue.js";

export interface RecordFailureOptions {
  /** Defaults to a client from the environment. */
  sqs?: SQSClient | undefined;
  logger: Logger;
  retryDelay?: RetryDelay | undefined;
}

export interface RecordFailures {
  /**
   * Resolves when the record went to the DLQ (it counts as handled, and Lambda deletes it);
   * otherwise rethrows `error`, so the record is reported as a batch item failure.
   */
  settle(record: SQSRecord, receiveCount: number, error: unknown): Promise<void>;
}

export function createRecordFailures(options: RecordFailureOptions): RecordFailures {
  const { logger } = options;
  const retryDelay = options.retryDelay ?? defaultRetryDelay;
  let sqs = options.sqs;
  const sources = new Map<string, Promise<SourceQueue>>();

  function sqsClient(): SQSClient {
    sqs ??= createSnsSqsClients().sqs;
    return sqs;
  }

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

  return {
    async settle(record, receiveCount, error) {
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
        await sendToDeadLetterQueue(sqsClient(), source.deadLetterUrl, failed, action.reason);
        metrics.count("events_dead_lettered_total", { queue: nameOfArn(record.eventSourceARN) });
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
    },
  };
}

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
