/**
 * For tests: a fauxqs SNS/SQS emulator in this process on a free port, clients for it through
 * the real AWS SDK, and fresh namespaces so tests sharing one emulator never meet.
 *
 * @example
 * const emulator = await startTestEmulator();
 * const created = await ensureSnsSqsTopology(emulator.clients, { namespace: freshNamespace() });
 * await emulator.stop();
 */
import { randomUUID } from "node:crypto";
import { ReceiveMessageCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { startFauxqs } from "fauxqs";
import { createSnsSqsClients, type SnsSqsClients } from "./clients.js";

export interface TestEmulator {
  endpoint: string;
  clients: SnsSqsClients;
  stop(): Promise<void>;
}

export const TEST_CREDENTIALS = { accessKeyId: "test", secretAccessKey: "test" };

export async function startTestEmulator(): Promise<TestEmulator> {
  const server = await startFauxqs({ port: 0, logger: false });
  const clients = createSnsSqsClients(
    { endpoint: server.address, region: "us-east-1", credentials: TEST_CREDENTIALS },
    {},
  );
  return {
    endpoint: server.address,
    clients,
    async stop() {
      clients.sns.destroy();
      clients.sqs.destroy();
      await server.stop();
    },
  };
}

export const freshNamespace = () => `t-${randomUUID().slice(0, 8)}`;

/** Every message now in a queue, received (and hidden) without deleting. */
export async function drainQueue(sqs: SQSClient, url: string, waitTimeSeconds = 0) {
  const messages = [];
  for (;;) {
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: waitTimeSeconds,
        VisibilityTimeout: 60,
        MessageAttributeNames: ["All"],
        MessageSystemAttributeNames: ["All"],
      }),
    );
    if (Messages.length === 0) return messages;
    messages.push(...Messages);
  }
}

export async function waitFor(condition: () => boolean | Promise<boolean>, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error("condition not met in time");
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
