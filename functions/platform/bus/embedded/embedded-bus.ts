/**
 * The embedded bus: queues with SQS semantics (visibility timeout, receive count, dead-letter
 * queue, redrive) kept in the embedded database, so `npm start` needs no broker and loses no
 * event across restarts, crashes included. Works on real Postgres too.
 *
 * Publishing inserts one row per subscribed queue (from the topology); a subscriber claims
 * visible rows with `FOR UPDATE SKIP LOCKED`, deletes them on success, hides them with backoff
 * on failure, and dead-letters them after `maxReceiveCount` deliveries.
 *
 * @example
 * const bus = await openEmbeddedBus({ url: config.DATABASE_URL, dataDir: config.DATA_DIR, logger });
 * await bus.publisher.publish([envelope]);
 * const subscriber = bus.subscriber();
 * await subscriber.start("catalog", handleDelivery);
 */
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { uuidv7 } from "uuidv7";
import { openDatabase } from "../../db/database.js";
import { migrateService } from "../../db/migrate.js";
import { queuesFor } from "../../events/topology.js";
import type { Logger } from "../../logger.js";
import type { BusPublisher, DeadLetterQueue } from "../port.js";
import { createEmbeddedDeadLetters } from "./dead-letters.js";
import { messages, schema } from "./schema.js";
import { type BusDb, createEmbeddedSubscriber, type EmbeddedSubscriber } from "./subscriber.js";

export interface EmbeddedBusOptions {
  url?: string | undefined;
  /** The embedded database's directory (shared with the services in this process). */
  dataDir: string;
  logger: Logger;
  /** Deliveries before a failing message is dead-lettered. */
  maxReceiveCount?: number;
  /** How long a delivered message stays hidden before it is delivered again. */
  visibilityTimeoutMs?: number;
  /** How often an idle subscriber looks for messages published by other processes. */
  pollIntervalMs?: number;
}

export interface EmbeddedBus {
  publisher: BusPublisher;
  subscriber(): EmbeddedSubscriber;
  deadLetters: DeadLetterQueue;
  close(): Promise<void>;
}

export async function openEmbeddedBus(options: EmbeddedBusOptions): Promise<EmbeddedBus> {
  const database = await openDatabase({ url: options.url, dataDir: options.dataDir, schema });
  await migrateService(database, {
    service: "bus",
    migrationsFolder: fileURLToPath(new URL("./migrations", import.meta.url)),
  });
  const db = database.db as BusDb;
  // Wakes this process's subscribers at once instead of at their next poll.
  const published = new EventEmitter().setMaxListeners(0);
  const subscribers = new Set<EmbeddedSubscriber>();
  const settings = {
    maxReceiveCount: options.maxReceiveCount ?? 5,
    visibilityTimeoutMs: options.visibilityTimeoutMs ?? 30_000,
    pollIntervalMs: options.pollIntervalMs ?? 250,
  };

  const publisher: BusPublisher = {
    async publish(envelopes) {
      const rows = envelopes.flatMap((envelope) =>
        queuesFor(envelope.type).map((queue) => ({
          id: uuidv7(),
          queue,
          body: JSON.stringify(envelope),
          traceparent: envelope.traceparent ?? null,
        })),
      );
      if (rows.length === 0) return;
      await db.insert(messages).values(rows);
      for (const queue of new Set(rows.map((row) => row.queue))) published.emit(queue);
    },
    close: async () => {},
  };

  return {
    publisher,
    subscriber() {
      const subscriber = createEmbeddedSubscriber({
        db,
        logger: options.logger,
        published,
        ...settings,
      });
      subscribers.add(subscriber);
      return subscriber;
    },
    deadLetters: createEmbeddedDeadLetters(db, () => published),
    async close() {
      await Promise.all([...subscribers].map((subscriber) => subscriber.stop()));
      await database.close();
    },
  };
}
