/**
 * The RabbitMQ bus in one call, shaped like the other adapters: declares the topology (once,
 * idempotently), then hands out the publisher, subscribers and dead-letter operations.
 *
 * @example
 * const bus = await openRabbitBus({ url: config.RABBITMQ_URL, logger, maxReceiveCount: 5 });
 * await bus.publisher.publish([envelope]);
 * await bus.subscriber().start("catalog", handleDelivery);
 * await bus.close();
 */
import type { BusPublisher, BusSubscriber, DeadLetterQueue } from "../port.js";
import { closeQuietly, openConnection, type RabbitConnectionOptions } from "./connection.js";
import { createRabbitDeadLetters } from "./dead-letters.js";
import { createRabbitPublisher, type RabbitPublisherOptions } from "./publisher.js";
import { createRabbitSubscriber, type RabbitSubscriberOptions } from "./subscriber.js";
import { ensureRabbitTopology, type RabbitTopologyOptions } from "./topology.js";

export interface RabbitBusOptions
  extends RabbitConnectionOptions,
    RabbitTopologyOptions,
    Omit<RabbitPublisherOptions, keyof RabbitConnectionOptions>,
    Omit<RabbitSubscriberOptions, keyof RabbitConnectionOptions> {}

export interface RabbitBus {
  publisher: BusPublisher;
  subscriber(): BusSubscriber;
  deadLetters: DeadLetterQueue;
  close(): Promise<void>;
}

export async function openRabbitBus(options: RabbitBusOptions): Promise<RabbitBus> {
  const setup = await openConnection(options, "setup");
  try {
    await ensureRabbitTopology(setup, options);
  } finally {
    await closeQuietly(setup);
  }
  const publisher = createRabbitPublisher(options);
  const subscribers = new Set<BusSubscriber>();
  return {
    publisher,
    subscriber() {
      const subscriber = createRabbitSubscriber(options);
      subscribers.add(subscriber);
      return subscriber;
    },
    deadLetters: createRabbitDeadLetters(options),
    async close() {
      await Promise.all([...subscribers].map((subscriber) => subscriber.stop()));
      await publisher.close();
    },
  };
}
