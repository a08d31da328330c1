/**
 * The RabbitMQ bus's probe: a channel on a connection of its own, and a passive check of the
 * events exchange (a round trip that also proves the topology is there). A lost connection is
 * forgotten at once, so the next probe reconnects; a probe that times out drops the link too,
 * since a silent network leaves its state unknown.
 *
 * @example
 * const probe = createRabbitProbe({ url, namespace, logger });
 * await probe.probe(AbortSignal.timeout(1_000));
 * await probe.close();
 */
import type { Channel, ChannelModel } from "amqplib";
import { abortable, type BusProbe } from "../probe.js";
import {
  closeQuietly,
  errorMessage,
  openConnection,
  type RabbitConnectionOptions,
} from "./connection.js";
import { rabbitNames } from "./names.js";

interface Link {
  connection: ChannelModel;
  channel: Channel;
  /** Why the connection went, once it has: more telling than "Channel ended". */
  lost?: string;
}

/** Connecting for a probe gives up sooner than the publisher does: readiness wants an answer. */
const PROBE_CONNECT_TIMEOUT_MS = 2_000;

export function createRabbitProbe(options: RabbitConnectionOptions): BusProbe {
  const names = rabbitNames(options.namespace);
  let link: Promise<Link> | undefined;
  let closed = false;

  const drop = (stale: Promise<Link>) => {
    if (link === stale) link = undefined;
    void stale.then(({ connection }) => closeQuietly(connection)).catch(() => {});
  };

  async function connect(forget: () => void): Promise<Link> {
    const connection = await openConnection(
      { connectTimeoutMs: PROBE_CONNECT_TIMEOUT_MS, ...options },
      "readiness",
    );
    connection.on("close", forget);
    try {
      const channel = await connection.createChannel();
      const opened: Link = { connection, channel };
      connection.on("error", (error: Error) => {
        opened.lost ??= error.message;
      });
      // A failed check closes the channel; its promise rejects with the reason.
      channel.on("error", () => {});
      channel.on("close", () => {
        forget();
        void closeQuietly(connection);
      });
      return opened;
    } catch (error) {
      await closeQuietly(connection);
      throw error;
    }
  }

  function current(): Promise<Link> {
    if (closed) return Promise.reject(new Error("the bus is closed"));
    if (link) return link;
    const attempt: Promise<Link> = connect(() => {
      if (link === attempt) link = undefined;
    });
    attempt.catch(() => {
      if (link === attempt) link = undefined;
    });
    link = attempt;
    return attempt;
  }

  return {
    async probe(signal) {
      const attempt = current();
      let opened: Link | undefined;
      try {
        opened = await abortable(attempt, signal);
        await abortable(opened.channel.checkExchange(names.exchange), signal);
      } catch (error) {
        if (signal?.aborted) drop(attempt);
        const reason = opened?.lost ? `connection lost (${opened.lost})` : errorMessage(error);
        throw new Error(`RabbitMQ: ${reason}`);
      }
    },
    async close() {
      closed = true;
      const active = link;
      link = undefined;
      await active?.then(({ connection }) => closeQuietly(connection)).catch(() => {});
    },
  };
}
