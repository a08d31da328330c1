/**
 * Opens AMQP connections that can never crash the process: every connection gets an `error`
 * listener (amqplib emits `error` before `close` on a broken socket, and an unheard `error`
 * event kills Node), a connect timeout and a heartbeat.
 *
 * @example
 * const connection = await openConnection({ url, logger }, "publisher");
 * connection.on("close", () => reconnectLater());
 */
import { type Channel, type ChannelModel, connect } from "amqplib";
import type { Logger } from "../../logger.js";

export interface RabbitConnectionOptions {
  /** `amqp://user:password@host:port/vhost` */
  url: string;
  /** Prefix of every exchange and queue name; "slipway" unless given. */
  namespace?: string;
  logger: Logger;
  /** Gives up a connection attempt after this long: a black-holed broker never answers. */
  connectTimeoutMs?: number;
  /** How often the broker and the client check on each other (seconds), unless the URL says. */
  heartbeatSeconds?: number;
}

export async function openConnection(
  options: RabbitConnectionOptions,
  purpose: string,
): Promise<ChannelModel> {
  const url = new URL(options.url);
  if (!url.searchParams.has("heartbeat")) {
    url.searchParams.set("heartbeat", String(options.heartbeatSeconds ?? 10));
  }
  const connection = await connect(url.toString(), {
    timeout: options.connectTimeoutMs ?? 5_000,
    clientProperties: { connection_name: `slipway ${purpose}` },
  });
  connection.on("error", (error: Error) => {
    options.logger.warn("RabbitMQ connection error", { purpose, error: error.message });
  });
  return connection;
}

/**
 * Closes a connection that may already be dead, without throwing. Give the channel that has
 * just acked: amqplib can write the connection's close ahead of the channel's pending frames,
 * and the broker then requeues what we acked; closing the channel first flushes them.
 */
export async function closeQuietly(
  connection: ChannelModel | undefined,
  channel?: Channel,
): Promise<void> {
  await channel?.close().catch(() => {});
  await connection?.close().catch(() => {});
}

/** Exponential backoff with jitter: 100 ms, 200 ms, 400 ms … capped at `maxMs`. */
export function backoffMs(attempt: number, maxMs = 5_000): number {
  const base = Math.min(maxMs, 100 * 2 ** Math.max(0, attempt - 1));
  return Math.round(base * (0.8 + Math.random() * 0.2));
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
