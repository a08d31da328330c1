/**
 * Runs a handler on one delivery and settles it: success acks; an error nacks with requeue
 * (the quorum queue counts deliveries into `x-delivery-count`) until the `maxReceiveCount`-th
 * delivery fails; `PoisonMessage`, or that last failure, dead-letters the message. A dead letter
 * is re-published to the DLQ with the reason in a header and acked only once the broker has
 * confirmed it, so `npm run dlq list` can say why and nothing is lost in between.
 *
 * @example
 * channel.consume(queueName, (message) => message && settleDelivery(channel, message, settings));
 */
import type { ConfirmChannel, ConsumeMessage } from "amqplib";
import type { Logger } from "../../logger.js";
import { metrics } from "../../metrics.js";
import { type DeliveryHandler, PoisonMessage } from "../port.js";
import { errorMessage } from "./connection.js";
import { deadLetterOptions, toDelivery } from "./message.js";

export interface SettleSettings {
  queue: string;
  handle: DeliveryHandler;
  maxReceiveCount: number;
  deadLetterExchange: string;
  logger: Logger;
}

export async function settleDelivery(
  channel: ConfirmChannel,
  message: ConsumeMessage,
  settings: SettleSettings,
): Promise<void> {
  const { queue, logger } = settings;
  const delivery = toDelivery(message);
  const { messageId, receiveCount } = delivery;
  try {
    await settings.handle(delivery);
    settle(settings, () => channel.ack(message));
  } catch (error) {
    if (error instanceof PoisonMessage || receiveCount >= settings.maxReceiveCount) {
      const reason =
        error instanceof PoisonMessage
          ? error.message
          : `failed ${receiveCount} deliveries; last error: ${errorMessage(error)}`;
      logger.error("dead-lettering message", { queue, messageId, receiveCount, reason });
      await deadLetter(channel, message, settings, reason, receiveCount);
    } else {
      logger.warn("handler failed; the message will be redelivered", {
        queue,
        messageId,
        receiveCount,
        error: errorMessage(error),
      });
      settle(settings, () => channel.nack(message, false, true));
    }
  }
}

async function deadLetter(
  channel: ConfirmChannel,
  message: ConsumeMessage,
  settings: SettleSettings,
  reason: string,
  receiveCount: number,
): Promise<void> {
  try {
    await new Promise<void>((resolve, reject) => {
      channel.publish(
        settings.deadLetterExchange,
        settings.queue,
        message.content,
        deadLetterOptions(message, reason, receiveCount),
        (error: unknown) => (error ? reject(error) : resolve()),
      );
    });
    metrics.count("events_dead_lettered_total", { queue: settings.queue });
    settle(settings, () => channel.ack(message));
  } catch (error) {
    // Not surely in the DLQ: leave it in the queue for another try.
    settings.logger.warn("could not dead-letter message; it stays queued", {
      queue: settings.queue,
      error: errorMessage(error),
    });
    settle(settings, () => channel.nack(message, false, true));
  }
}

/** Acks and nacks on a channel that died meanwhile throw; the broker redelivers anyway. */
function settle(settings: SettleSettings, action: () => void): void {
  try {
    action();
  } catch (error) {
    settings.logger.debug("could not settle message; it will be redelivered", {
      queue: settings.queue,
      error: errorMessage(error),
    });
  }
}
