/**
 * Opens the configured bus transport. Only this module knows the adapters; services get the
 * port's interfaces, the publisher with its `probe` for readiness checks.
 *
 * @example
 * const bus = await openBus({ ...config, logger });
 * await bus.subscriber().start("catalog", handle);
 */
import { embeddedDataDir } from "../db/config.js";
import type { Logger } from "../logger.js";
import type { BusConfig } from "./config.js";
import { openOnFirstUse } from "./open-on-first-use.js";
import type { BusPublisher, BusSubscriber, DeadLetterQueue } from "./port.js";
import { withProbe } from "./probe.js";
import { snsSqsClientConfig } from "./sns-sqs/client-config.js";

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

// Each adapter is imported when chosen, so a process loads only its own transport's client
// (a Lambda bundle leaves amqplib and the embedded queue out of its cold start, and the AWS SDK
// until it first publishes).
export async function openBus(options: OpenBusOptions): Promise<Bus> {
  const { logger } = options;
  switch (options.BUS) {
    case "rabbitmq": {
      const { openRabbitBus } = await import("./rabbitmq/rabbit-bus.js");
      const { createRabbitProbe } = await import("./rabbitmq/ready.js");
      const rabbit = { url: options.RABBITMQ_URL, namespace: options.BUS_NAMESPACE, logger };
      const bus = await openRabbitBus({
        ...rabbit,
        maxReceiveCount: options.BUS_MAX_RECEIVE_COUNT,
      });
      return withProbe(bus, createRabbitProbe(rabbit));
    }
    case "sns-sqs": {
      // Checked now: a bad AWS_ENDPOINT_URL fails the start, not the first publish.
      snsSqsClientConfig();
      // The AWS SDK loads on first use (openOnFirstUse says why).
      return openOnFirstUse(async () => {
        const { openSnsSqsBus } = await import("./sns-sqs/sns-sqs-bus.js");
        const { createSnsSqsProbe } = await import("./sns-sqs/ready.js");
        return withProbe(
          await openSnsSqsBus({ namespace: options.BUS_NAMESPACE, logger }),
          createSnsSqsProbe(),
        );
      });
    }
    case "embedded": {
      const { openEmbeddedBus } = await import("./embedded/embedded-bus.js");
      const { openEmbeddedProbe } = await import("./embedded/ready.js");
      const where = { url: options.DATABASE_URL, dataDir: embeddedDataDir(options.DATA_DIR) };
      const bus = await openEmbeddedBus({
        ...where,
        logger,
        maxReceiveCount: options.BUS_MAX_RECEIVE_COUNT,
      });
      const probe = await openEmbeddedProbe(where).catch(async (error: unknown) => {
        await bus.close();
        throw error;
      });
      return withProbe(bus, probe);
    }
  }
}
