/**
 * The SNS → SQS bus in one call, shaped like the other adapters. It expects the topology to
 * exist (created by the cloud infrastructure, or by `localstack/create-topology.ts` against an
 * emulator); pass `ensureTopology` to create it first.
 *
 * @example
 * const bus = await openSnsSqsBus({ namespace: "slipway-dev", logger });
 */
import type { Logger } from "../../logger.js";
import type { BusPublisher, BusSubscriber, DeadLetterQueue } from "../port.js";
import { createSnsSqsClients, type SnsSqsClientOptions } from "./clients.js";
import { createSnsSqsDeadLetterQueue } from "./dead-letter-queue.js";
import { ensureSnsSqsTopology } from "./ensure-topology.js";
import { createSnsSqsPublisher } from "./publisher.js";
import { createSnsSqsSubscriber } from "./subscriber.js";

export interface SnsSqsBusOptions extends SnsSqsClientOptions {
  namespace: string;
  logger: Logger;
  /** Creates or updates topics, queues and subscriptions first (emulators, tests). */
  ensureTopology?: { maxReceiveCount: number; consumerTimeoutSeconds: number };
  waitTimeSeconds?: number;
}

export interface SnsSqsBus {
  publisher: BusPublisher;
  subscriber(): BusSubscriber;
  deadLetters: DeadLetterQueue;
  close(): Promise<void>;
}

export async function openSnsSqsBus(options: SnsSqsBusOptions): Promise<SnsSqsBus> {
  const clients = createSnsSqsClients(options);
  const { namespace, logger } = options;
  if (options.ensureTopology) {
    await ensureSnsSqsTopology(clients, { namespace, ...options.ensureTopology });
  }
  const subscribers = new Set<BusSubscriber>();
  return {
    publisher: createSnsSqsPublisher({ sns: clients.sns, namespace }),
    subscriber() {
      const subscriber = createSnsSqsSubscriber({
        sqs: clients.sqs,
        namespace,
        logger,
        // Short polls: this loop runs locally, where stopping quickly matters more than calls.
        waitTimeSeconds: options.waitTimeSeconds ?? 5,
        // A restart must not strand the messages an aborted long poll already took.
        finishPollOnStop: true,
      });
      subscribers.add(subscriber);
      return subscriber;
    },
    deadLetters: createSnsSqsDeadLetterQueue({ sqs: clients.sqs, namespace }),
    async close() {
      await Promise.all([...subscribers].map((subscriber) => subscriber.stop()));
      clients.sns.destroy();
      clients.sqs.destroy();
    },
  };
}
