/**
 * Publishes envelopes to the events exchange on a confirm channel: persistent messages,
 * routing key = event type. `publish` resolves once the broker has confirmed every message
 * and rejects on a nack, a lost connection or a confirm timeout, never hangs. The connection
 * is opened lazily and re-opened by the next publish after a loss; while the broker stays
 * unreachable, publishes fail fast for a backoff window instead of each trying to connect.
 *
 * @example
 * const publisher = createRabbitPublisher({ url, namespace: "slipway", logger });
 * await publisher.publish([envelope]); // confirmed by the broker
 */
import type { ChannelModel, ConfirmChannel } from "amqplib";
import type { Envelope } from "../../events/envelope.js";
import type { BusPublisher } from "../port.js";
import {
  backoffMs,
  closeQuietly,
  errorMessage,
  openConnection,
  type RabbitConnectionOptions,
} from "./connection.js";
import { envelopeBody, publishOptions } from "./message.js";
import { rabbitNames } from "./names.js";

export interface RabbitPublisherOptions extends RabbitConnectionOptions {
  /** How long a publish waits for the broker's confirms. */
  confirmTimeoutMs?: number;
  /** Cap of the window in which publishes fail fast after failed connection attempts. */
  maxBackoffMs?: number;
}

interface Link {
  connection: ChannelModel;
  channel: ConfirmChannel;
}

export function createRabbitPublisher(options: RabbitPublisherOptions): BusPublisher {
  const names = rabbitNames(options.namespace);
  const confirmTimeoutMs = options.confirmTimeoutMs ?? 10_000;
  let link: Promise<Link> | undefined;
  let failedAttempts = 0;
  let retryAt = 0;
  let lastFailure = "";
  let closed = false;

  function current(): Promise<Link> {
    if (closed) return Promise.reject(new Error("publisher is closed"));
    if (link) return link;
    const wait = retryAt - Date.now();
    if (wait > 0) {
      return Promise.reject(
        new Error(`RabbitMQ unreachable (${lastFailure}); next attempt in ${wait} ms`),
      );
    }
    const attempt: Promise<Link> = connect(() => {
      if (link === attempt) link = undefined;
    }).then(
      (ok) => {
        failedAttempts = 0;
        return ok;
      },
      (error: unknown) => {
        if (link === attempt) link = undefined;
        failedAttempts += 1;
        retryAt = Date.now() + backoffMs(failedAttempts, options.maxBackoffMs);
        lastFailure = errorMessage(error);
        throw error;
      },
    );
    link = attempt;
    return attempt;
  }

  async function connect(onLost: () => void): Promise<Link> {
    const connection = await openConnection(options, "publisher");
    connection.on("close", onLost);
    try {
      const channel = await connection.createConfirmChannel();
      channel.on("error", (error: Error) => {
        options.logger.warn("RabbitMQ publish channel error", { error: error.message });
      });
      // A channel dies alone on some errors (an exchange that does not exist): start afresh.
      channel.on("close", () => {
        onLost();
        void closeQuietly(connection);
      });
      return { connection, channel };
    } catch (error) {
      await closeQuietly(connection);
      throw error;
    }
  }

  return {
    async publish(envelopes) {
      if (envelopes.length === 0) return;
      const active = await current();
      const confirms: Promise<void>[] = [];
      for (const envelope of envelopes) {
        let buffered = true;
        const confirmed = new Promise<void>((resolve, reject) => {
          buffered = active.channel.publish(
            names.exchange,
            envelope.type,
            envelopeBody(envelope),
            publishOptions(envelope),
            // amqplib calls back on ack, on nack, and when the channel closes unconfirmed.
            (error: unknown) => (error ? reject(notAccepted(envelope, error)) : resolve()),
          );
        });
        // Handled by Promise.all below; this keeps an early nack from counting as unhandled.
        confirmed.catch(() => {});
        confirms.push(confirmed);
        if (!buffered) await drained(active.channel);
      }
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => {
          // The link's state is unknown now (a silent network?): drop it, start afresh.
          void closeQuietly(active.connection);
          reject(new Error(`RabbitMQ did not confirm within ${confirmTimeoutMs} ms`));
        }, confirmTimeoutMs);
      });
      try {
        await Promise.race([Promise.all(confirms), timeout]);
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      closed = true;
      const active = link;
      link = undefined;
      await active?.then((ok) => closeQuietly(ok.connection)).catch(() => {});
    },
  };
}

function notAccepted(envelope: Envelope, error: unknown): Error {
  return new Error(`RabbitMQ did not accept event ${envelope.id}: ${errorMessage(error)}`, {
    cause: error,
  });
}

/** Waits until the channel's write buffer has room again, or the channel is gone. */
function drained(channel: ConfirmChannel): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      channel.off("drain", done);
      channel.off("close", done);
      resolve();
    };
    channel.on("drain", done);
    channel.on("close", done);
  });
}
