/**
 * `npm run dlq` on RabbitMQ: lists a queue's dead letters without removing them (get each,
 * then requeue them all, in their order) and redrives them: each is re-sent straight to its
 * queue as a fresh message (delivery count 1, dead-letter headers dropped) and acked from the
 * DLQ only once the broker has confirmed the copy.
 *
 * @example
 * const dlq = createRabbitDeadLetters({ url, namespace: "slipway", logger });
 * await dlq.list("catalog");    // [{ messageId, body, reason, receiveCount, deadAt }]
 * await dlq.redrive("catalog"); // how many went back
 */
import type { ConfirmChannel, GetMessage } from "amqplib";
import type { DeadLetterQueue } from "../port.js";
import { closeQuietly, openConnection, type RabbitConnectionOptions } from "./connection.js";
import { redriveOptions, toDeadLetter } from "./message.js";
import { rabbitNames } from "./names.js";

/** Dead letters moved per confirm round trip. */
const REDRIVE_BATCH = 100;

export function createRabbitDeadLetters(options: RabbitConnectionOptions): DeadLetterQueue {
  const names = rabbitNames(options.namespace);

  // One short-lived connection per operation: these run from a command line, rarely.
  async function withChannel<T>(work: (channel: ConfirmChannel) => Promise<T>): Promise<T> {
    const connection = await openConnection(options, "dead letters");
    let channel: ConfirmChannel | undefined;
    try {
      channel = await connection.createConfirmChannel();
      channel.on("error", () => {}); // failures also reject the pending operation
      return await work(channel);
    } finally {
      await closeQuietly(connection, channel);
    }
  }

  return {
    list(queue, limit = 100) {
      return withChannel(async (channel) => {
        const letters = [];
        while (letters.length < limit) {
          const message = await channel.get(names.deadLetterQueue(queue), { noAck: false });
          if (!message) break;
          letters.push(toDeadLetter(message));
        }
        channel.nackAll(true);
        return letters;
      });
    },

    redrive(queue) {
      return withChannel(async (channel) => {
        const source = names.deadLetterQueue(queue);
        // The default exchange drops what it cannot route: make sure the queue is there.
        await channel.checkQueue(names.queue(queue));
        // Only what is dead now: a message that fails again at once must not loop forever.
        let remaining = (await channel.checkQueue(source)).messageCount;
        let moved = 0;
        while (remaining > 0) {
          const batch: GetMessage[] = [];
          while (batch.length < Math.min(remaining, REDRIVE_BATCH)) {
            const message = await channel.get(source, { noAck: false });
            if (!message) break;
            batch.push(message);
          }
          if (batch.length === 0) break;
          for (const message of batch) {
            // The default exchange routes by queue name: back to this queue only, not to
            // every queue subscribed to the event type (they handled it already).
            channel.publish("", names.queue(queue), message.content, redriveOptions(message));
          }
          await channel.waitForConfirms();
          for (const message of batch) channel.ack(message);
          moved += batch.length;
          remaining -= batch.length;
        }
        return moved;
      });
    },
  };
}
