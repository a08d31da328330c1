/**
 * Delivers a queue's messages to a handler from a long-poll loop (local parity runs against
 * LocalStack or fauxqs; Lambda uses `sqsEventHandler` instead). Success deletes the message;
 * a failure is retried after a backoff and dead-lettered with its reason after the queue's
 * `maxReceiveCount` attempts, or at once for a `PoisonMessage`. Each received batch is a
 * "receive <queue>" span linked to its messages' `traceparent` attributes.
 *
 * @example
 * const subscriber = createSnsSqsSubscriber({ sqs: clients.sqs, namespace: "slipway-dev", logger });
 * await subscriber.start("catalog", consumer.handle);
 * await subscriber.stop();
 */
import { setTimeout as sleep } from "node:timers/promises";
import {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  type Message,
  ReceiveMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { inBatchSpan } from "../../events/trace-context.js";
import { createLogger, type Logger } from "../../logger.js";
import { metrics } from "../../metrics.js";
import type { BusSubscriber, DeliveryHandler } from "../port.js";
import {
  defaultRetryDelay,
  failureAction,
  type RetryDelay,
  sendToDeadLetterQueue,
} from "./failure.js";
import { snsSqsNames } from "./names.js";
import { resolveSourceQueue, type SourceQueue } from "./source-queue.js";

export interface SnsSqsSubscriberOptions {
  sqs: SQSClient;
  namespace: string;
  logger?: Logger;
  /** Long-poll wait, 0-20 s (default 20). */
  waitTimeSeconds?: number;
  /** Backoff before a failed message is retried (default min(2^receiveCount, 60) s). */
  retryDelay?: RetryDelay;
  /** Pause after a failed receive, doubling up to 30 s (default 1000 ms). */
  errorBackoffMs?: number;
  /**
   * By default `stop()` aborts the in-flight long poll. SQS (and fauxqs) may still hand
   * messages to that abandoned poll: they stay invisible until their visibility timeout and
   * count one receive. With `true`, `stop()` instead waits up to `waitTimeSeconds` for the
   * poll and handles what it brings.
   */
  finishPollOnStop?: boolean;
}

interface Consumer {
  queue: string;
  source: SourceQueue;
  handle: DeliveryHandler;
}

export function createSnsSqsSubscriber(options: SnsSqsSubscriberOptions): BusSubscriber {
  const { sqs } = options;
  const logger = options.logger ?? createLogger("bus");
  const names = snsSqsNames(options.namespace);
  const waitTimeSeconds = options.waitTimeSeconds ?? 20;
  const retryDelay = options.retryDelay ?? defaultRetryDelay;
  const errorBackoffMs = options.errorBackoffMs ?? 1000;
  const loops = new Set<{ stopping: AbortController; done: Promise<void> }>();

  async function run(consumer: Consumer, stopping: AbortSignal) {
    const poll = new AbortController();
    if (!options.finishPollOnStop) stopping.addEventListener("abort", () => poll.abort());
    let failures = 0;
    while (!stopping.aborted) {
      let messages: Message[];
      try {
        const received = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: consumer.source.url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: waitTimeSeconds,
            MessageSystemAttributeNames: ["ApproximateReceiveCount"],
            // Kept so a dead letter carries the message's own attributes (type, traceparent).
            MessageAttributeNames: ["All"],
          }),
          { abortSignal: poll.signal },
        );
        messages = received.Messages ?? [];
        failures = 0;
      } catch (error) {
        if (poll.signal.aborted) break;
        failures += 1;
        logger.error("receive failed; backing off", { queue: consumer.queue, failures, error });
        const backoff = Math.min(errorBackoffMs * 2 ** (failures - 1), 30_000);
        await sleep(backoff, undefined, { signal: stopping }).catch(() => {});
        continue;
      }
      if (messages.length === 0) continue;
      await inBatchSpan(
        `receive ${consumer.queue}`,
        { "messaging.system": "aws_sqs", "messaging.destination.name": consumer.queue },
        messages.map((message) => message.MessageAttributes?.traceparent?.StringValue),
        () => Promise.all(messages.map((message) => settle(consumer, message))),
      );
    }
  }

  async function settle({ queue, source, handle }: Consumer, message: Message) {
    const receiveCount = Number(message.Attributes?.ApproximateReceiveCount ?? 1);
    const messageId = message.MessageId ?? "";
    const body = message.Body ?? "";
    const receipt = { QueueUrl: source.url, ReceiptHandle: message.ReceiptHandle };
    try {
      try {
        await handle({ messageId, body, receiveCount });
      } catch (error) {
        const action = failureAction(error, receiveCount, source.maxReceiveCount, retryDelay);
        const context = { queue, messageId, receiveCount, reason: action.reason };
        if (action.kind === "retry") {
          logger.warn("handler failed; will retry", { ...context, delay: action.delaySeconds });
          const VisibilityTimeout = action.delaySeconds;
          await sqs.send(new ChangeMessageVisibilityCommand({ ...receipt, VisibilityTimeout }));
          return;
        }
        logger.error("handler failed; dead-lettering", context);
        const failed = { body, attributes: message.MessageAttributes, receiveCount };
        await sendToDeadLetterQueue(sqs, source.deadLetterUrl, failed, action.reason);
        metrics.count("events_dead_lettered_total", { queue });
      }
      await sqs.send(new DeleteMessageCommand(receipt));
    } catch (error) {
      // The message reappears after its visibility timeout; at-least-once holds.
      logger.error("settling a message failed", { queue, messageId, error });
    }
  }

  return {
    async start(queue, handle) {
      const source = await resolveSourceQueue(sqs, { name: names.queue(queue) });
      const stopping = new AbortController();
      const done = run({ queue, source, handle }, stopping.signal).catch((error) =>
        logger.critical("subscriber loop ended unexpectedly", { queue, error }),
      );
      loops.add({ stopping, done });
    },
    async stop() {
      const stopped = [...loops];
      loops.clear();
      for (const loop of stopped) loop.stopping.abort();
      await Promise.all(stopped.map((loop) => loop.done));
    },
  };
}
