// The orders bench: for each setup (order-setups.ts), the saga's services in this process on
// that database and bus as `npm start` composes them (saga-services.ts), and orders placed
// through the orders' Connect API and followed to CONFIRMED (saga-watch.ts). The figures are
// CONFIRMED orders/s and placed → CONFIRMED latency.
//
//   const results = await measureOrders(options); // one entry per setup, measured or skipped

import { rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { OrderStatus } from "../functions/gen/orders/v1/orders_pb.js";
import { interruptible } from "./interrupt.js";
import { BenchFailure } from "./measure.js";
import type { BenchOptions, SetupName } from "./options.js";
import {
  driveOrders,
  type OrderFigures,
  type OrderRun,
  orderFigures,
  paceOrders,
} from "./order-load.js";
import { type OpenSetup, openSetup } from "./order-setups.js";
import { type SagaServices, startSagaServices, statusName } from "./saga-services.js";

export type PhaseFigures = OrderFigures & {
  /** Deliveries whose handler threw during the phase; the bus delivered them again. */
  deliveryFailures: number;
};

export type SetupResult =
  | {
      setup: SetupName;
      status: "measured";
      detail: string;
      warmupOrders: number;
      /** Open loop at `orderRate` orders/s, below saturation: the saga's own delay. */
      latency: PhaseFigures;
      /** Closed loop, `orderConcurrency` orders in flight until CONFIRMED: orders/s. */
      throughput: PhaseFigures;
    }
  | { setup: SetupName; status: "skipped"; why: string };

// How long an order may take from PlaceOrder to CONFIRMED before the run fails, and the saga
// to settle after a phase.
const CONFIRM_TIMEOUT_MS = 60_000;

export async function measureOrders(options: BenchOptions): Promise<SetupResult[]> {
  // A signal stops the load; the usual clean-up below then stops the services, closes the bus,
  // deletes the broker namespace, the database and the temporary directory (interrupt.ts).
  return interruptible("orders bench", async (signal, atExit) => {
    const results: SetupResult[] = [];
    for (const name of options.setups) {
      signal.throwIfAborted();
      const dataDir = await mkdtemp(join(tmpdir(), `slipway-bench-orders-${name}-`));
      const removeNow = () => rmSync(dataDir, { recursive: true, force: true });
      atExit.add(removeNow);
      try {
        const opening = await openSetup(name, dataDir);
        if (!opening.ok) {
          warnSkipped(name, opening.why);
          results.push({ setup: name, status: "skipped", why: opening.why });
          continue;
        }
        try {
          results.push(await measureSetup(name, opening.setup, dataDir, { ...options, signal }));
        } finally {
          await opening.setup.close();
        }
      } finally {
        await rm(dataDir, { recursive: true, force: true });
        atExit.delete(removeNow);
      }
    }
    return results;
  });
}

async function measureSetup(
  name: SetupName,
  setup: OpenSetup,
  dataDir: string,
  options: BenchOptions & { signal: AbortSignal },
): Promise<SetupResult> {
  const saga = await startSagaServices(setup, dataDir);
  const { watch, place } = saga;
  const { signal, orderConcurrency: concurrency, orderRate: perSecond } = options;
  const timeoutMs = CONFIRM_TIMEOUT_MS;
  // Once the phase's sagas are over (captured, committed, every delivery handled), its figures.
  const settle = async (run: OrderRun, failuresBefore: number): Promise<PhaseFigures> => {
    await watch.settled(
      run.samples.map((sample) => sample.orderId),
      timeoutMs,
      signal,
    );
    watch.clear();
    return { ...orderFigures(run), deliveryFailures: watch.deliveryFailures - failuresBefore };
  };
  try {
    // The products' events handled, then one order checked end to end before any load.
    await watch.settled([], timeoutMs, signal);
    await verifyOne(saga, timeoutMs, signal);

    // Warm-up: JIT, connections, the first pages of every table; then an empty pipeline.
    log(`orders ${name}: warm-up ${options.warmupSeconds} s, ${concurrency} in flight`);
    const warmup = await settle(
      await driveOrders(place, watch, {
        seconds: options.warmupSeconds,
        concurrency,
        timeoutMs,
        signal,
      }),
      watch.deliveryFailures,
    );

    const pacedOrders = Math.max(10, Math.round(perSecond * options.orderSeconds));
    log(`orders ${name}: latency, ${pacedOrders} orders at ${perSecond}/s`);
    const latency = await settle(
      await paceOrders(place, watch, { orders: pacedOrders, perSecond, timeoutMs, signal }),
      watch.deliveryFailures,
    );
    log(
      `orders ${name}: latency p50 ${latency.p50Ms.toFixed(1)} ms, ` +
        `p99 ${latency.p99Ms.toFixed(1)} ms`,
    );

    log(`orders ${name}: throughput, ${options.orderSeconds} s, ${concurrency} in flight`);
    const throughput = await settle(
      await driveOrders(place, watch, {
        seconds: options.orderSeconds,
        concurrency,
        timeoutMs,
        signal,
      }),
      watch.deliveryFailures,
    );
    log(
      `orders ${name}: ${throughput.confirmedPerSecond.toFixed(1)} CONFIRMED orders/s, ` +
        `p50 ${throughput.p50Ms.toFixed(1)} ms, p99 ${throughput.p99Ms.toFixed(1)} ms`,
    );
    if (watch.deliveryFailures > 0) {
      log(
        `orders ${name}: ${watch.deliveryFailures} deliveries failed and were retried, ` +
          `the first: ${watch.firstDeliveryFailure}`,
      );
    }
    return {
      setup: name,
      status: "measured",
      detail: setup.detail,
      warmupOrders: warmup.orders,
      latency,
      throughput,
    };
  } catch (error) {
    if (!(error instanceof BenchFailure)) throw error;
    // What the run's orders became, and what went wrong on the way, to start looking from.
    const failed = watch.firstDeliveryFailure
      ? `; ${watch.deliveryFailures} deliveries failed, the first: ${watch.firstDeliveryFailure}`
      : "";
    throw new BenchFailure(
      `orders ${name}: ${error.message}; orders by status: ${await saga.statuses()}${failed}`,
    );
  } finally {
    await saga.stop();
  }
}

/** One order placed alone, CONFIRMED, settled, and read back as CONFIRMED by its customer. */
async function verifyOne(saga: SagaServices, timeoutMs: number, signal: AbortSignal) {
  const orderId = await saga.place(0);
  await saga.watch.confirmation(orderId, timeoutMs, signal);
  await saga.watch.settled([orderId], timeoutMs, signal);
  saga.watch.clear();
  const status = await saga.statusOf(orderId, 0);
  if (status !== OrderStatus.CONFIRMED) {
    throw new BenchFailure(`order ${orderId} reads back as ${statusName(status)}, not CONFIRMED`);
  }
}

function warnSkipped(name: SetupName, why: string): void {
  process.stderr.write(
    `\n!!! bench: orders on ${name} SKIPPED: ${why}.\n` +
      "!!! Start them (or set TEST_DATABASE_URL / RABBITMQ_URL) to measure it; under CI=true " +
      "this fails the bench.\n\n",
  );
}

function log(line: string): void {
  process.stderr.write(`bench: ${line}\n`);
}
