/**
 * How an envelope becomes an AMQP message and back: the publish options, the delivery a
 * handler sees, a dead letter as `npm run dlq` shows it, and what a re-sent message keeps.
 *
 * @example
 * channel.publish(names.exchange, envelope.type, envelopeBody(envelope), publishOptions(envelope));
 * const delivery = toDelivery(message); // { messageId, body, receiveCount }
 */
import { createHash } from "node:crypto";
import type { Message, MessagePropertyHeaders, Options } from "amqplib";
import type { Envelope } from "../../events/envelope.js";
import type { DeadLetter, Delivery } from "../port.js";
import { CONTENT_TYPE, DEAD_AT_HEADER, REASON_HEADER, RECEIVE_COUNT_HEADER } from "./names.js";

export function envelopeBody(envelope: Envelope): Buffer {
  return Buffer.from(JSON.stringify(envelope));
}

export function publishOptions(envelope: Envelope): Options.Publish {
  return {
    persistent: true,
    messageId: envelope.id,
    type: envelope.type,
    contentType: CONTENT_TYPE,
    ...(envelope.traceparent ? { headers: { traceparent: envelope.traceparent } } : {}),
  };
}

export function toDelivery(message: Message): Delivery {
  const deliveryCount = Number(message.properties.headers?.["x-delivery-count"] ?? 0);
  return {
    messageId: messageIdOf(message),
    body: message.content.toString("utf8"),
    receiveCount: deliveryCount + 1,
  };
}

/** Options to re-publish `message` into its dead-letter queue, saying why. */
export function deadLetterOptions(
  message: Message,
  reason: string,
  receiveCount: number,
): Options.Publish {
  return resendOptions(message, {
    [REASON_HEADER]: reason,
    [DEAD_AT_HEADER]: new Date().toISOString(),
    [RECEIVE_COUNT_HEADER]: receiveCount,
  });
}

/** Options to send a dead letter back to its queue as a fresh message. */
export function redriveOptions(message: Message): Options.Publish {
  return resendOptions(message, {});
}

export function toDeadLetter(message: Message): DeadLetter {
  const headers = message.properties.headers ?? {};
  const [death] = headers["x-death"] ?? [];
  return {
    messageId: messageIdOf(message),
    body: message.content.toString("utf8"),
    // Without our headers the broker dead-lettered it itself (its delivery-limit backstop).
    reason: headers[REASON_HEADER] ?? (death ? `broker: ${death.reason}` : undefined),
    // 0 when unknown: the broker does not record how often it delivered what it dead-letters.
    receiveCount: Number(headers[RECEIVE_COUNT_HEADER] ?? 0),
    deadAt:
      headers[DEAD_AT_HEADER] ??
      (death ? new Date(death.time.value * 1000).toISOString() : undefined),
  };
}

/** The envelope id we publish with; a content hash for foreign messages that carry none. */
function messageIdOf(message: Message): string {
  const id = message.properties.messageId;
  if (typeof id === "string" && id) return id;
  return `sha256:${createHash("sha256").update(message.content).digest("hex").slice(0, 32)}`;
}

function resendOptions(message: Message, extra: MessagePropertyHeaders): Options.Publish {
  const { properties } = message;
  return {
    persistent: true,
    messageId: properties.messageId,
    type: properties.type,
    contentType: properties.contentType,
    contentEncoding: properties.contentEncoding,
    correlationId: properties.correlationId,
    appId: properties.appId,
    timestamp: properties.timestamp,
    headers: { ...ownHeaders(properties.headers), ...extra },
  };
}

/** The producer's headers, without the ones brokers and earlier dead-lettering added. */
function ownHeaders(headers: MessagePropertyHeaders | undefined): MessagePropertyHeaders {
  return Object.fromEntries(
    Object.entries(headers ?? {}).filter(
      ([name]) =>
        !/^x-(death|first-death-|last-death-|delivery-count)/.test(name) &&
        !name.startsWith("x-slipway-"),
    ),
  );
}
