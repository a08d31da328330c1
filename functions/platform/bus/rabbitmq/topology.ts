/**
 * Declares the bus on RabbitMQ from the topology, idempotently (run it at every start):
 * one durable topic exchange `<ns>.events`; per consuming service a durable quorum queue
 * `<ns>.<queue>` bound by each event type it subscribes to, dead-lettering into
 * `<ns>.<queue>.dlq` through the direct exchange `<ns>.dead-letter`.
 *
 * @example
 * const connection = await openConnection({ url, logger }, "setup");
 * await ensureRabbitTopology(connection, { namespace: "slipway", maxReceiveCount: 5 });
 */
import type { Channel, ChannelModel } from "amqplib";
import { topology } from "../../events/topology.js";
import { DEFAULT_MAX_RECEIVE_COUNT, rabbitNames } from "./names.js";

export interface RabbitTopologyOptions {
  namespace?: string;
  /**
   * Deliveries after which the subscriber dead-letters a failing message. The queue's
   * `x-delivery-limit` is set to it as well, a backstop that only acts when the subscriber
   * never got to settle the last delivery (a crash, a lost connection).
   */
  maxReceiveCount?: number;
  /** Queue → event types; the real topology unless given (tests). */
  subscriptions?: Readonly<Record<string, readonly string[]>>;
}

export async function ensureRabbitTopology(
  connection: ChannelModel,
  options: RabbitTopologyOptions = {},
): Promise<void> {
  const names = rabbitNames(options.namespace);
  const subscriptions = options.subscriptions ?? topology.subscriptions;
  const channel = await connection.createChannel();
  channel.on("error", () => {}); // a failed declaration also rejects its promise, handled below
  try {
    await channel.assertExchange(names.exchange, "topic", { durable: true });
    await channel.assertExchange(names.deadLetterExchange, "direct", { durable: true });
    for (const [queue, types] of Object.entries(subscriptions)) {
      await declareQueue(channel, names.deadLetterQueue(queue), {
        // Classic, not quorum: listing dead letters gets and requeues them, which a quorum
        // queue would count as failed deliveries (and reorder on RabbitMQ 4).
        "x-queue-type": "classic",
      });
      await channel.bindQueue(names.deadLetterQueue(queue), names.deadLetterExchange, queue);
      await declareQueue(channel, names.queue(queue), {
        "x-queue-type": "quorum",
        "x-delivery-limit": options.maxReceiveCount ?? DEFAULT_MAX_RECEIVE_COUNT,
        "x-dead-letter-exchange": names.deadLetterExchange,
        // Every queue dead-letters under its own name, so an event type two queues share
        // still lands only in the DLQ of the queue that failed it.
        "x-dead-letter-routing-key": queue,
        "x-dead-letter-strategy": "at-least-once",
        "x-overflow": "reject-publish",
      });
      for (const type of types) await channel.bindQueue(names.queue(queue), names.exchange, type);
    }
  } finally {
    await channel.close().catch(() => {});
  }
}

async function declareQueue(
  channel: Channel,
  name: string,
  args: Record<string, string | number>,
): Promise<void> {
  try {
    await channel.assertQueue(name, { durable: true, arguments: args });
  } catch (error) {
    if ((error as { code?: number }).code !== 406) throw error;
    // Queue arguments are fixed at creation; RabbitMQ refuses to redeclare with others.
    throw new Error(
      `RabbitMQ queue ${name} exists with other arguments than ${JSON.stringify(args)} ` +
        "(a changed maxReceiveCount?): delete the queue, or change it with a policy",
      { cause: error },
    );
  }
}
