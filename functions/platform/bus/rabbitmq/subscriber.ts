/**
 * Consumes one service's quorum queue with manual acks and a prefetch window, each delivery
 * settled by `settleDelivery` (ack, retry or dead-letter). A lost connection is re-opened
 * with exponential backoff (capped at 5 s) and consuming resumes, until `stop()`.
 *
 * @example
 * const subscriber = createRabbitSubscriber({ url, namespace: "slipway", logger, maxReceiveCount: 5 });
 * await subscriber.start("catalog", async (delivery) => handle(delivery));
 * await subscriber.stop(); // waits for handlers in flight
 */
import { setTimeout as sleep } from "node:timers/promises";
import type { ChannelModel, ConfirmChannel } from "amqplib";
import type { BusSubscriber, DeliveryHandler } from "../port.js";
import {
  backoffMs,
  closeQuietly,
  errorMessage,
  openConnection,
  type RabbitConnectionOptions,
} from "./connection.js";
import { DEFAULT_MAX_RECEIVE_COUNT, rabbitNames } from "./names.js";
import { settleDelivery } from "./settle-delivery.js";

export interface RabbitSubscriberOptions extends RabbitConnectionOptions {
  /** Messages delivered to this subscriber at once, unacknowledged. */
  prefetch?: number;
  /** Keep equal to the topology's: the delivery whose failure dead-letters the message. */
  maxReceiveCount?: number;
  /** Cap of the delay between reconnection attempts. */
  maxBackoffMs?: number;
}

interface Consuming {
  connection: ChannelModel;
  channel: ConfirmChannel;
  consumerTag: string;
}

export function createRabbitSubscriber(options: RabbitSubscriberOptions): BusSubscriber {
  const names = rabbitNames(options.namespace);
  const { logger } = options;
  const settings = {
    logger,
    deadLetterExchange: names.deadLetterExchange,
    maxReceiveCount: options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
  };
  const inFlight = new Set<Promise<void>>();
  const stopping = new AbortController();
  let consuming: Consuming | undefined;
  let reconnecting: Promise<void> | undefined;
  let started = false;

  async function consume(queue: string, handle: DeliveryHandler): Promise<void> {
    const connection = await openConnection(options, `subscriber ${queue}`);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on("error", (error: Error) => {
        logger.warn("RabbitMQ consume channel error", { queue, error: error.message });
      });
      // A channel can die alone (its queue deleted): treat it as a lost connection.
      channel.on("close", () => void closeQuietly(connection));
      await channel.prefetch(options.prefetch ?? 10);
      const { consumerTag } = await channel.consume(names.queue(queue), (message) => {
        // null: the broker cancelled the consumer (queue deleted); reconnecting re-subscribes.
        if (message === null) return void closeQuietly(connection);
        const work = settleDelivery(channel, message, { ...settings, queue, handle }).finally(() =>
          inFlight.delete(work),
        );
        inFlight.add(work);
      });
      consuming = { connection, channel, consumerTag };
      connection.on("close", () => {
        consuming = undefined;
        if (stopping.signal.aborted) return;
        const run: Promise<void> = reconnect(queue, handle).finally(() => {
          if (reconnecting === run) reconnecting = undefined;
        });
        reconnecting = run;
      });
    } catch (error) {
      await closeQuietly(connection);
      throw error;
    }
  }

  async function reconnect(queue: string, handle: DeliveryHandler): Promise<void> {
    logger.warn("RabbitMQ connection lost; reconnecting", { queue });
    for (let attempt = 1; !stopping.signal.aborted; attempt++) {
      await sleep(backoffMs(attempt, options.maxBackoffMs), undefined, {
        signal: stopping.signal,
      }).catch(() => {});
      if (stopping.signal.aborted) return;
      try {
        await consume(queue, handle);
        logger.info("RabbitMQ consumer resumed", { queue, attempt });
        return;
      } catch (error) {
        logger.warn("RabbitMQ reconnect failed", { queue, attempt, error: errorMessage(error) });
      }
    }
  }

  return {
    async start(queue, handle) {
      if (started) throw new Error("subscriber already started");
      started = true;
      // The first connection must work: a wrong URL or a missing queue fails start-up loudly.
      await consume(queue, handle).catch((error: unknown) => {
        started = false;
        throw error;
      });
    },
    async stop() {
      stopping.abort();
      await reconnecting;
      const active = consuming;
      if (active) await active.channel.cancel(active.consumerTag).catch(() => {});
      await Promise.allSettled([...inFlight]);
      await closeQuietly(active?.connection, active?.channel);
    },
  };
}
