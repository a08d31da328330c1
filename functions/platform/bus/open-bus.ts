/**
 * Opens the configured bus transport. Only this module knows the adapters; services get the
 * port's interfaces.
 *
 * @example
 * const bus = await openBus({ ...config, logger });
 * await bus.subscriber().start("catalog", handle);
 */
import { embeddedDataDir } from "../db/config.js";
import type { Logger } from "../logger.js";
import type { BusConfig } from "./config.js";
import { openEmbeddedBus } from "./embedded/embedded-bus.js";
import type { BusPublisher, BusSubscriber, DeadLetterQueue } from "./port.js";
import { openRabbitBus } from "./rabbitmq/rabbit-bus.js";
import { openSnsSqsBus } from "./sns-sqs/sns-sqs-bus.js";

export interface Bus {
  publisher: BusPublisher;
  subscriber(): BusSubscriber;
  deadLetters: DeadLetterQueue;
  close(): Promise<void>;
}

export interface OpenBusOptions extends BusConfig {
  DATABASE_URL?: string | undefined;
  DATA_DIR: string;
  logger: Logger;
}

export async function openBus(options: OpenBusOptions): Promise<Bus> {
  const { logger } = options;
  switch (options.BUS) {
    case "rabbitmq":
      return openRabbitBus({
        url: options.RABBITMQ_URL,
        namespace: options.BUS_NAMESPACE,
        maxReceiveCount: options.BUS_MAX_RECEIVE_COUNT,
        logger,
      });
    case "sns-sqs":
      return openSnsSqsBus({ namespace: options.BUS_NAMESPACE, logger });
    case "embedded":
      return openEmbeddedBus({
        url: options.DATABASE_URL,
        dataDir: embeddedDataDir(options.DATA_DIR),
        logger,
        maxReceiveCount: options.BUS_MAX_RECEIVE_COUNT,
      });
  }
}
