/**
 * What happens to a message whose handler threw, shared by the long-poll loop and the Lambda
 * handler: a `PoisonMessage`, or a failure on the last allowed attempt, goes to the DLQ now
 * with the reason as a message attribute; anything else is retried after a backoff.
 *
 * @example
 * const action = failureAction(error, receiveCount, source.maxReceiveCount);
 * if (action.kind === "dead-letter") await sendToDeadLetterQueue(sqs, source.deadLetterUrl, message, action.reason);
 */
import {
  type MessageAttributeValue,
  SendMessageCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";
import { PoisonMessage } from "../port.js";

export type FailureAction =
  | { kind: "dead-letter"; reason: string }
  | { kind: "retry"; delaySeconds: number; reason: string };

/** Seconds until the next attempt, by the number of attempts so far. */
export type RetryDelay = (receiveCount: number) => number;

export const defaultRetryDelay: RetryDelay = (receiveCount) => Math.min(2 ** receiveCount, 60);

/** Message attributes the DLQ adds; redrive strips them again. */
export const DEAD_LETTER_ATTRIBUTES = ["reason", "deadAt", "receiveCount"] as const;

const MAX_VISIBILITY_SECONDS = 43_200;
const MAX_REASON_LENGTH = 2_000;

export function failureAction(
  error: unknown,
  receiveCount: number,
  maxReceiveCount: number,
  retryDelay: RetryDelay = defaultRetryDelay,
): FailureAction {
  const reason = describe(error);
  if (error instanceof PoisonMessage || (error as Error | undefined)?.name === "PoisonMessage") {
    return { kind: "dead-letter", reason };
  }
  // SQS would move it on the next receive anyway, but without saying why.
  if (receiveCount >= maxReceiveCount) {
    return { kind: "dead-letter", reason: `failed ${receiveCount} times; last: ${reason}` };
  }
  const delay = Math.round(retryDelay(receiveCount));
  return {
    kind: "retry",
    delaySeconds: Math.min(Math.max(delay, 0), MAX_VISIBILITY_SECONDS),
    reason,
  };
}

export interface FailedMessage {
  body: string;
  attributes: Record<string, MessageAttributeValue> | undefined;
  receiveCount: number;
}

export async function sendToDeadLetterQueue(
  sqs: SQSClient,
  deadLetterUrl: string,
  message: FailedMessage,
  reason: string,
): Promise<void> {
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: deadLetterUrl,
      MessageBody: message.body,
      MessageAttributes: {
        ...copyAttributes(message.attributes),
        reason: { DataType: "String", StringValue: reason.slice(0, MAX_REASON_LENGTH) || "-" },
        deadAt: { DataType: "String", StringValue: new Date().toISOString() },
        receiveCount: { DataType: "Number", StringValue: String(message.receiveCount) },
      },
    }),
  );
}

/** The message's own attributes, without the DLQ's, in the shape SendMessage takes. */
export function copyAttributes(
  attributes: Record<string, MessageAttributeValue> | undefined,
): Record<string, MessageAttributeValue> {
  const copy: Record<string, MessageAttributeValue> = {};
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if ((DEAD_LETTER_ATTRIBUTES as readonly string[]).includes(name) || !value.DataType) continue;
    copy[name] =
      value.BinaryValue !== undefined
        ? { DataType: value.DataType, BinaryValue: value.BinaryValue }
        : { DataType: value.DataType, StringValue: value.StringValue ?? "" };
  }
  return copy;
}

function describe(error: unknown): string {
  return error instanceof Error ? `${error.name}: ${error.message}` : String(error);
}
