/**
 * The three bus transports the catalog's event tests run on, each opened fresh and isolated:
 * the embedded bus (PGlite in memory), RabbitMQ on 127.0.0.1 (a namespace of its own, deleted
 * afterwards; skipped on a laptop without it, a failure under CI) and SNS/SQS on an in-process
 * fauxqs through the real AWS SDK. Brokers are reached through a TCP proxy the test owns, so an
 * outage is a `cut()` and never touches the machine's RabbitMQ.
 *
 * @example
 * describe.each(transports)("catalog events over $name", (transport) => {
 *   transport.describe("…", () => {
 *     beforeAll(async () => { opened = await transport.open(); });
 *   });
 * });
 */
import {
  ChangeMessageVisibilityCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import { connect } from "amqplib";
import { eq } from "drizzle-orm";
import { uuidv7 } from "uuidv7";
import { describe } from "vitest";
import { ProductCreatedSchema } from "../../functions/gen/catalog/v1/events_pb.js";
import { openEmbeddedBus } from "../../functions/platform/bus/embedded/embedded-bus.js";
import { schema as busSchema, messages } from "../../functions/platform/bus/embedded/schema.js";
import type {
  BusPublisher,
  BusSubscriber,
  DeadLetterQueue,
} from "../../functions/platform/bus/port.js";
import { rabbitNames } from "../../functions/platform/bus/rabbitmq/names.js";
import { openRabbitBus } from "../../functions/platform/bus/rabbitmq/rabbit-bus.js";
import {
  deleteNamespace,
  describeWithBroker,
  rabbitUrl,
  testNamespace,
} from "../../functions/platform/bus/rabbitmq/test-broker.js";
import { snsSqsNames } from "../../functions/platform/bus/sns-sqs/names.js";
import { openSnsSqsBus } from "../../functions/platform/bus/sns-sqs/sns-sqs-bus.js";
import { queueUrl } from "../../functions/platform/bus/sns-sqs/source-queue.js";
import {
  freshNamespace,
  startTestEmulator,
  TEST_CREDENTIALS,
} from "../../functions/platform/bus/sns-sqs/test-emulator.js";
import { openDatabase } from "../../functions/platform/db/database.js";
import { queueNames } from "../../functions/platform/events/topology.js";
import { createLogger } from "../../functions/platform/logger.js";
import { startTcpProxy, type TcpProxy } from "../../functions/platform/testing/tcp-proxy.js";

/** Deliveries before a failing message is dead-lettered, on every transport here. */
export const MAX_RECEIVE_COUNT = 3;

/** The topology's queue for the catalog's own events. */
export const QUEUE = "catalog";

const logger = createLogger("bus", "SILENT");

export interface OpenTransport {
  publisher: BusPublisher;
  subscriber(): BusSubscriber;
  deadLetters: DeadLetterQueue;
  /** Puts a body on the catalog queue as a foreign producer could, past the bus publisher. */
  sendRaw(body: string): Promise<void>;
  /**
   * The `traceparent` the transport itself carries (AMQP header, SQS message attribute, the
   * embedded bus's row) for the waiting message of this envelope id, left in the queue; null
   * when the message has none, undefined when no such message is waiting.
   */
  peekTraceparent(envelopeId: string): Promise<string | null | undefined>;
  /** The proxy every bus connection goes through; none for the embedded bus (no broker). */
  proxy: TcpProxy | undefined;
  close(): Promise<void>;
}

export interface Transport {
  name: string;
  /** `describe`, or `describe.skip` when the transport's server is missing on a laptop. */
  describe: typeof describeWithBroker;
  /** The catalog's DATA_DIR: the embedded bus shares the catalog's database, as in `npm start`. */
  dataDir: string;
  /** Whether events cross a network to a broker (that a test can cut off). */
  hasBroker: boolean;
  open(): Promise<OpenTransport>;
}

const embedded: Transport = {
  name: "embedded",
  describe,
  dataDir: "memory://catalog-events-embedded",
  hasBroker: false,
  async open() {
    const bus = await openEmbeddedBus({
      dataDir: this.dataDir,
      logger,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      pollIntervalMs: 50,
    });
    // The same PGlite instance as the bus (one per data directory in a process).
    const raw = await openDatabase({ dataDir: this.dataDir, schema: busSchema });
    return {
      publisher: bus.publisher,
      subscriber: () => bus.subscriber(),
      deadLetters: bus.deadLetters,
      async sendRaw(body) {
        await raw.db.insert(messages).values({ id: uuidv7(), queue: QUEUE, body });
      },
      async peekTraceparent(envelopeId) {
        const rows = await raw.db.select().from(messages).where(eq(messages.queue, QUEUE));
        const row = rows.find((candidate) => JSON.parse(candidate.body).id === envelopeId);
        return row ? row.traceparent : undefined;
      },
      proxy: undefined,
      async close() {
        await bus.close();
        await raw.close();
      },
    };
  },
};

const rabbitmq: Transport = {
  name: "rabbitmq",
  describe: describeWithBroker,
  dataDir: "memory://catalog-events-rabbitmq",
  hasBroker: true,
  async open() {
    const namespace = testNamespace();
    const broker = new URL(rabbitUrl);
    const proxy = await startTcpProxy({
      targetHost: broker.hostname,
      targetPort: Number(broker.port || 5672),
    });
    const bus = await openRabbitBus({
      url: proxy.urlFor(rabbitUrl),
      namespace,
      logger,
      maxReceiveCount: MAX_RECEIVE_COUNT,
      maxBackoffMs: 300,
      connectTimeoutMs: 2_000,
    });
    return {
      ...bus,
      subscriber: () => bus.subscriber(),
      async sendRaw(body) {
        // Straight to the broker, as another producer would publish to the exchange.
        const connection = await connect(rabbitUrl);
        connection.on("error", () => {});
        try {
          const channel = await connection.createConfirmChannel();
          channel.publish(
            rabbitNames(namespace).exchange,
            ProductCreatedSchema.typeName,
            Buffer.from(body),
            { persistent: true },
          );
          await channel.waitForConfirms();
        } finally {
          await connection.close().catch(() => {});
        }
      },
      async peekTraceparent(envelopeId) {
        const connection = await connect(rabbitUrl);
        connection.on("error", () => {});
        try {
          const channel = await connection.createChannel();
          let found: string | null | undefined;
          for (;;) {
            const message = await channel.get(rabbitNames(namespace).queue(QUEUE));
            if (!message) break;
            if (message.properties.messageId === envelopeId) {
              found = message.properties.headers?.traceparent ?? null;
              break;
            }
          }
          channel.nackAll(true);
          await channel.close();
          return found;
        } finally {
          await connection.close().catch(() => {});
        }
      },
      proxy,
      async close() {
        await bus.close();
        await proxy.close();
        await deleteNamespace(namespace, queueNames);
      },
    };
  },
};

const snsSqs: Transport = {
  name: "sns-sqs",
  describe,
  dataDir: "memory://catalog-events-sns-sqs",
  hasBroker: true,
  async open() {
    const emulator = await startTestEmulator();
    const endpoint = new URL(emulator.endpoint);
    const proxy = await startTcpProxy({
      targetHost: endpoint.hostname,
      targetPort: Number(endpoint.port),
    });
    const namespace = freshNamespace();
    const bus = await openSnsSqsBus({
      endpoint: proxy.urlFor(emulator.endpoint),
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      namespace,
      logger,
      ensureTopology: { maxReceiveCount: MAX_RECEIVE_COUNT, consumerTimeoutSeconds: 1 },
      waitTimeSeconds: 1,
    });
    return {
      ...bus,
      subscriber: () => bus.subscriber(),
      async sendRaw(body) {
        const { sqs } = emulator.clients;
        const url = await queueUrl(sqs, { name: snsSqsNames(namespace).queue(QUEUE) });
        await sqs.send(new SendMessageCommand({ QueueUrl: url, MessageBody: body }));
      },
      async peekTraceparent(envelopeId) {
        const { sqs } = emulator.clients;
        const url = await queueUrl(sqs, { name: snsSqsNames(namespace).queue(QUEUE) });
        const { Messages = [] } = await sqs.send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: 1,
            MessageAttributeNames: ["All"],
          }),
        );
        for (const message of Messages) {
          // Visible again at once: peeked, not consumed.
          await sqs.send(
            new ChangeMessageVisibilityCommand({
              QueueUrl: url,
              ReceiptHandle: message.ReceiptHandle,
              VisibilityTimeout: 0,
            }),
          );
        }
        const message = Messages.find((m) => JSON.parse(m.Body ?? "{}").id === envelopeId);
        return message ? (message.MessageAttributes?.traceparent?.StringValue ?? null) : undefined;
      },
      proxy,
      async close() {
        await bus.close();
        await proxy.close();
        await emulator.stop();
      },
    };
  },
};

export const transports: Transport[] = [embedded, rabbitmq, snsSqs];
