// The bus transports the events bench runs on, each opened fresh and cleaned up after:
// embedded (the queue in the catalog's own PGlite, as `npm start` runs it), RabbitMQ (a random
// namespace on the broker at RABBITMQ_URL, deleted afterwards) and SNS → SQS (an in-process
// fauxqs emulator, through the real AWS SDK, its topology created by `ensureTopology`).
//
// A RabbitMQ that cannot be reached skips that transport (the caller says so loudly), except
// under CI=true, where it is an error: CI must never report figures without it.
//
//   const opening = await openTransport("rabbitmq", dataDir);
//   if (opening.ok) { ...opening.transport.publisher...; await opening.transport.close(); }

import { randomBytes } from "node:crypto";
import { openEmbeddedBus } from "../functions/platform/bus/embedded/embedded-bus.js";
import type { BusPublisher, BusSubscriber } from "../functions/platform/bus/port.js";
import {
  deleteRabbitNamespace,
  rabbitUnreachable,
} from "../functions/platform/bus/rabbitmq/namespace.js";
import { openRabbitBus } from "../functions/platform/bus/rabbitmq/rabbit-bus.js";
import { openSnsSqsBus } from "../functions/platform/bus/sns-sqs/sns-sqs-bus.js";
import {
  startTestEmulator,
  TEST_CREDENTIALS,
} from "../functions/platform/bus/sns-sqs/test-emulator.js";
import { embeddedDataDir } from "../functions/platform/db/config.js";
import { queueNames } from "../functions/platform/events/topology.js";
import { createLogger } from "../functions/platform/logger.js";
import { inCi, redactUrl } from "../functions/platform/testing/environment.js";
import type { TransportName } from "./options.js";

export interface OpenTransport {
  publisher: BusPublisher;
  subscriber(): BusSubscriber;
  /** What carried the events, for the report. */
  detail: string;
  /** Closes the bus and removes what this run made on the broker. */
  close(): Promise<void>;
}

export type TransportOpening = { ok: true; transport: OpenTransport } | { ok: false; why: string };

// As `npm start` and the tests configure it; the bench never fails a delivery, so it only
// matters for the queue arguments it creates.
const MAX_RECEIVE_COUNT = 5;
/** The broker the bench measures: RABBITMQ_URL, as `npm start` reads it, or the local default. */
export const benchRabbitUrl = process.env.RABBITMQ_URL ?? "amqp://guest:guest@127.0.0.1:5672";
const logger = createLogger("bus", "SILENT");

/** Opens `name` for a catalog whose DATA_DIR is `dataDir`. */
export function openTransport(name: TransportName, dataDir: string): Promise<TransportOpening> {
  switch (name) {
    case "embedded":
      return openEmbedded(dataDir);
    case "rabbitmq":
      return openRabbit();
    case "sns-sqs":
      return openSnsSqs();
  }
}

async function openEmbedded(dataDir: string): Promise<TransportOpening> {
  // The catalog's data directory: one PGlite holds the catalog and its queue, as in `npm start`.
  const bus = await openEmbeddedBus({
    dataDir: embeddedDataDir(dataDir),
    logger,
    maxReceiveCount: MAX_RECEIVE_COUNT,
  });
  return {
    ok: true,
    transport: {
      publisher: bus.publisher,
      subscriber: () => bus.subscriber(),
      detail: "queue table in the catalog's PGlite, woken in process on publish",
      close: bus.close,
    },
  };
}

async function openRabbit(): Promise<TransportOpening> {
  const url = benchRabbitUrl;
  const problem = await rabbitUnreachable(url);
  if (problem !== undefined) {
    const why = `RabbitMQ at ${redactUrl(url)} is not reachable (${problem})`;
    if (inCi) throw new Error(`${why}; under CI=true it must be running`);
    return { ok: false, why };
  }
  const namespace = `slipway-bench-${randomBytes(5).toString("hex")}`;
  const removeNamespace = () => deleteRabbitNamespace(url, namespace, queueNames);
  let bus: Awaited<ReturnType<typeof openRabbitBus>>;
  try {
    bus = await openRabbitBus({ url, namespace, logger, maxReceiveCount: MAX_RECEIVE_COUNT });
  } catch (error) {
    await removeNamespace().catch(() => {});
    throw error;
  }
  return {
    ok: true,
    transport: {
      publisher: bus.publisher,
      subscriber: () => bus.subscriber(),
      detail: `${redactUrl(url)}, quorum queue, publisher confirms, prefetch 10`,
      async close() {
        try {
          await bus.close();
        } finally {
          await removeNamespace();
        }
      },
    },
  };
}

async function openSnsSqs(): Promise<TransportOpening> {
  const emulator = await startTestEmulator();
  try {
    const bus = await openSnsSqsBus({
      endpoint: emulator.endpoint,
      region: "us-east-1",
      credentials: TEST_CREDENTIALS,
      namespace: `slipway-bench-${randomBytes(5).toString("hex")}`,
      logger,
      ensureTopology: { maxReceiveCount: MAX_RECEIVE_COUNT, consumerTimeoutSeconds: 30 },
      // A long poll returns as soon as messages are there, so this costs no latency; it only
      // bounds how long stopping waits for the last poll.
      waitTimeSeconds: 1,
    });
    return {
      ok: true,
      transport: {
        publisher: bus.publisher,
        subscriber: () => bus.subscriber(),
        detail: "fauxqs in this process, AWS SDK v3, raw delivery, one long-poll loop",
        async close() {
          try {
            await bus.close();
          } finally {
            await emulator.stop();
          }
        },
      },
    };
  } catch (error) {
    await emulator.stop().catch(() => {});
    throw error;
  }
}
