// The events bench: for each bus transport, a catalog in this process (PGlite in a temporary
// directory, logs silent) publishing through its outbox, its queue consumed by its own consumer
// and its sweeper running, as `npm start` wires it. Product changes go in through the Connect
// API; the figures are events/s end to end and commit → handled latency.
//
//   const results = await measureEvents(options); // one entry per transport, measured or skipped

import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startCatalog } from "../functions/catalog/app.js";
import { CatalogConfig } from "../functions/catalog/config.js";
import { CatalogService } from "../functions/gen/catalog/v1/catalog_pb.js";
import { TEST_INTERNAL_SECRET } from "../functions/platform/auth/testing.js";
import { loadConfig } from "../functions/platform/config.js";
import { createServiceClient } from "../functions/platform/rpc/client.js";
import { testCredentials } from "../functions/platform/testing/credentials.js";
import { inProcessFetch } from "../functions/platform/testing/in-process-fetch.js";
import { EventClock, type EventFigures, eventFigures } from "./event-clock.js";
import { interruptible } from "./interrupt.js";
import type { BenchOptions, TransportName } from "./options.js";
import { type ChangeRun, driveChanges, paceChanges } from "./product-changes.js";
import { type OpenTransport, openTransport } from "./transports.js";

export type TransportResult =
  | {
      transport: TransportName;
      status: "measured";
      detail: string;
      warmupEvents: number;
      /** Closed loop, `eventConcurrency` changes in flight: how many events/s get through. */
      throughput: EventFigures;
      /** Open loop at `eventRate` changes/s, below saturation: the pipeline's own delay. */
      latency: EventFigures;
    }
  | { transport: TransportName; status: "skipped"; why: string };

// After the last commit, how long the consumer may take to catch up before the run fails.
const CATCH_UP_TIMEOUT_MS = 60_000;

export async function measureEvents(options: BenchOptions): Promise<TransportResult[]> {
  // A signal stops the load; the usual clean-up below then closes the catalog and the bus,
  // deletes the broker namespace and the temporary directory (interrupt.ts).
  return interruptible("events bench", async (signal, atExit) => {
    const results: TransportResult[] = [];
    for (const name of options.transports) {
      signal.throwIfAborted();
      const dataDir = await mkdtemp(join(tmpdir(), `slipway-bench-events-${name}-`));
      const removeNow = () => rmSync(dataDir, { recursive: true, force: true });
      atExit.add(removeNow);
      try {
        const opening = await openTransport(name, dataDir);
        if (!opening.ok) {
          warnSkipped(name, opening.why);
          results.push({ transport: name, status: "skipped", why: opening.why });
          continue;
        }
        try {
          results.push(
            await measureTransport(name, opening.transport, dataDir, { ...options, signal }),
          );
        } finally {
          await opening.transport.close();
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
        atExit.delete(removeNow);
      }
    }
    return results;
  });
}

async function measureTransport(
  name: TransportName,
  transport: OpenTransport,
  dataDir: string,
  options: BenchOptions & { signal: AbortSignal },
): Promise<TransportResult> {
  // An explicit environment: a developer's DATABASE_URL must not leak in.
  const config = loadConfig(CatalogConfig, {
    DATA_DIR: dataDir,
    LOG_LEVEL: "SILENT",
    INTERNAL_TOKEN_SECRET: TEST_INTERNAL_SECRET,
  });
  // When the outbox hands each event to the bus: right after its commit, before the RPC returns.
  const dispatched = new EventClock();
  const catalog = await startCatalog(config, {
    publisher: {
      publish(envelopes) {
        for (const envelope of envelopes) dispatched.record(envelope);
        return transport.publisher.publish(envelopes);
      },
      close: () => transport.publisher.close(),
    },
  });
  const handled = new EventClock();
  const subscriber = transport.subscriber();
  const sweeper = catalog.outbox.startSweeper();
  try {
    await subscriber.start("catalog", async (delivery) => {
      await catalog.consumer(delivery);
      handled.record(delivery.body);
    });
    const client = createServiceClient(CatalogService, {
      baseUrl: "http://catalog.bench",
      timeoutMs: 30_000,
      fetch: inProcessFetch(catalog.app),
      interceptors: [testCredentials("catalog")],
    });
    const { eventConcurrency: concurrency, eventRate: perSecond, signal } = options;
    const settled = async (run: ChangeRun) => {
      await handled.waitFor(run.commits.keys(), CATCH_UP_TIMEOUT_MS, signal);
      const figures = eventFigures(run, handled, dispatched);
      handled.clear();
      dispatched.clear();
      return figures;
    };

    // Warm-up: JIT, connections, the first pages of every table; then an empty pipeline.
    const warmupEvents = Math.max(25, Math.round(options.events / 10));
    log(`events ${name}: warm-up ${warmupEvents} events`);
    await settled(
      await driveChanges(client, { changes: warmupEvents, concurrency, tag: "w", signal }),
    );

    const pacedEvents = Math.max(25, Math.round(options.events / 5));
    log(`events ${name}: latency, ${pacedEvents} events at ${perSecond}/s`);
    const latency = await settled(
      await paceChanges(client, {
        changes: pacedEvents,
        perSecond,
        maxInFlight: concurrency,
        tag: "l",
        signal,
      }),
    );
    log(
      `events ${name}: latency p50 ${latency.p50Ms.toFixed(1)} ms, p99 ${latency.p99Ms.toFixed(1)} ms`,
    );

    log(`events ${name}: throughput, ${options.events} events, ${concurrency} in flight`);
    const throughput = await settled(
      await driveChanges(client, { changes: options.events, concurrency, tag: "t", signal }),
    );
    log(
      `events ${name}: ${throughput.eventsPerSecond.toFixed(0)} events/s, ` +
        `p50 ${throughput.p50Ms.toFixed(1)} ms, p99 ${throughput.p99Ms.toFixed(1)} ms`,
    );
    return {
      transport: name,
      status: "measured",
      detail: transport.detail,
      warmupEvents,
      throughput,
      latency,
    };
  } finally {
    await sweeper.stop();
    await subscriber.stop();
    await catalog.close();
  }
}

function warnSkipped(name: TransportName, why: string): void {
  process.stderr.write(
    `\n!!! bench: events over ${name} SKIPPED: ${why}.\n` +
      "!!! Start it (or set RABBITMQ_URL) to measure it; under CI=true this fails the bench.\n\n",
  );
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
