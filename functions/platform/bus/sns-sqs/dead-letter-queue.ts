/**
 * Operations on a queue's dead letters (`npm run dlq`): list them without consuming them, and
 * redrive them to their queue by hand, since fauxqs has no `StartMessageMoveTask`.
 *
 * @example
 * const dlq = createSnsSqsDeadLetterQueue({ sqs: clients.sqs, namespace: "slipway-dev" });
 * await dlq.list("catalog");    // [{ messageId, body, reason, receiveCount, deadAt }]
 * await dlq.redrive("catalog"); // how many went back
 */
import {
  ChangeMessageVisibilityBatchCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import type { DeadLetter, DeadLetterQueue } from "../port.js";
import { copyAttributes } from "./failure.js";
import { snsSqsNames } from "./names.js";
import { queueUrl } from "./source-queue.js";

export interface SnsSqsDeadLetterQueueOptions {
  sqs: SQSClient;
  namespace: string;
  /** Long-poll wait of each receive (default 1 s; a short poll may miss messages on AWS). */
  waitTimeSeconds?: number;
}

// Received dead letters stay hidden this long while we work on them, then are released.
const HOLD_SECONDS = 60;

export function createSnsSqsDeadLetterQueue(
  options: SnsSqsDeadLetterQueueOptions,
): DeadLetterQueue {
  const { sqs } = options;
  const names = snsSqsNames(options.namespace);
  const waitTimeSeconds = options.waitTimeSeconds ?? 1;

  async function receive(url: string, max: number): Promise<Message[]> {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: Math.min(max, 10),
        VisibilityTimeout: HOLD_SECONDS,
        WaitTimeSeconds: waitTimeSeconds,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["ApproximateReceiveCount", "SentTimestamp"],
      }),
    );
    return Messages;
  }

  /** Makes held messages visible again at once. */
  async function release(url: string, held: Message[]): Promise<void> {
    for (let i = 0; i < held.length; i += 10) {
      const Entries = held.slice(i, i + 10).map((message, j) => ({
        Id: `m${j}`,
        ReceiptHandle: message.ReceiptHandle,
        VisibilityTimeout: 0,
      }));
      await sqs.send(new ChangeMessageVisibilityBatchCommand({ QueueUrl: url, Entries }));
    }
  }

  return {
    async list(queue, limit = 100) {
      const url = await queueUrl(sqs, { name: names.deadLetterQueue(queue) });
      const held: Message[] = [];
      try {
        while (held.length < limit) {
          const messages = await receive(url, limit - held.length);
          if (messages.length === 0) break;
          held.push(...messages);
        }
      } finally {
        await release(url, held);
      }
      return held.map(toDeadLetter);
    },

    async redrive(queue) {
      const [sourceUrl, url] = await Promise.all([
        queueUrl(sqs, { name: names.queue(queue) }),
        queueUrl(sqs, { name: names.deadLetterQueue(queue) }),
      ]);
      // A letter that fails again while we work lands in the DLQ with a later SentTimestamp;
      // leaving those alone keeps a redrive of a still-failing message from looping forever.
      const startedAt = Date.now();
      const skipped: Message[] = [];
      const errors: unknown[] = [];
      let moved = 0;
      try {
        for (;;) {
          const messages = await receive(url, 10);
          if (messages.length === 0) break;
          await Promise.all(
            messages.map(async (message) => {
              if (Number(message.Attributes?.SentTimestamp ?? 0) >= startedAt) {
                skipped.push(message);
                return;
              }
              try {
                await sqs.send(
                  new SendMessageCommand({
                    QueueUrl: sourceUrl,
                    MessageBody: message.Body ?? "",
                    MessageAttributes: copyAttributes(message.MessageAttributes),
                  }),
                );
              } catch (error) {
                skipped.push(message);
                errors.push(error);
                return;
              }
              // A failed delete leaves a duplicate in the DLQ; consumers tolerate duplicates.
              await sqs
                .send(
                  new DeleteMessageCommand({ QueueUrl: url, ReceiptHandle: message.ReceiptHandle }),
                )
                .catch((error: unknown) => errors.push(error));
              moved += 1;
            }),
          );
        }
      } finally {
        await release(url, skipped);
      }
      if (errors.length > 0) {
        throw new AggregateError(
          errors,
          `redrive of ${queue}: moved ${moved}, ${errors.length} failed`,
        );
      }
      return moved;
    },
  };
}

function toDeadLetter(message: Message): DeadLetter {
  const attribute = (name: string) => message.MessageAttributes?.[name]?.StringValue;
  return {
    messageId: message.MessageId ?? "",
    body: message.Body ?? "",
    reason: attribute("reason"),
    // Letters SQS moved itself carry only SQS's count, which listing increments too.
    receiveCount: Number(
      attribute("receiveCount") ?? message.Attributes?.ApproximateReceiveCount ?? 0,
    ),
    deadAt: attribute("deadAt"),
  };
}
