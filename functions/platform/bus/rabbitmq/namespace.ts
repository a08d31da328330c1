/**
 * Probing a broker and removing a whole namespace (every exchange and queue
 * `ensureRabbitTopology` declared under it): for tests, benchmarks and retiring a stage.
 *
 * @example
 * if ((await rabbitUnreachable(url)) === undefined) { ... }
 * await deleteRabbitNamespace(url, "slipway-pr-42", queueNames);
 */
import { connect } from "amqplib";
import { rabbitNames } from "./names.js";

/** Why the broker at `url` cannot be reached, or undefined when it can. */
export async function rabbitUnreachable(url: string): Promise<string | undefined> {
  try {
    const connection = await connect(url, { timeout: 3_000 });
    connection.on("error", () => {});
    await connection.close();
    return undefined;
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  }
}

export async function deleteRabbitNamespace(
  url: string,
  namespace: string,
  queues: readonly string[],
): Promise<void> {
  const names = rabbitNames(namespace);
  const connection = await connect(url, { timeout: 3_000 });
  connection.on("error", () => {});
  try {
    const channel = await connection.createChannel();
    for (const queue of queues) {
      await channel.deleteQueue(names.queue(queue));
      await channel.deleteQueue(names.deadLetterQueue(queue));
    }
    await channel.deleteExchange(names.exchange);
    await channel.deleteExchange(names.deadLetterExchange);
  } finally {
    await connection.close().catch(() => {});
  }
}
