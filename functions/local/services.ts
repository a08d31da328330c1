/**
 * One service as the local runners host it: its app, its event consumer, its outbox sweeper and
 * (on the primary instance) its scheduled jobs on timers, built from the same `start<Service>`
 * the Lambda entries wrap. `npm start` hosts all four in one process; `npm run start:local`
 * one per process (run-service.ts).
 *
 * @example
 * const catalog = await startLocalService("catalog", config, { publisher: bus.publisher, logger, primary: true });
 * await bus.subscriber().start("catalog", catalog.consumer);
 * await listen(catalog.fetch, { port: config.PORT_CATALOG });
 * await catalog.close(); // jobs, sweeper, then the service
 */
import { startCatalog } from "../catalog/app.js";
import type { CatalogConfig } from "../catalog/config.js";
import { startIdentity } from "../identity/app.js";
import type { IdentityConfig } from "../identity/config.js";
import { type LocalAccess, seedLocalAccess } from "../identity/oauth/seed-local.js";
import { startOrders } from "../orders/app.js";
import type { OrdersConfig } from "../orders/config.js";
import { startPayments } from "../payments/app.js";
import type { PaymentsConfig } from "../payments/config.js";
import type { BusPublisher, DeliveryHandler } from "../platform/bus/port.js";
import type { Logger } from "../platform/logger.js";
import { every } from "./every.js";

export interface LocalServiceConfigs {
  identity: IdentityConfig;
  catalog: CatalogConfig;
  orders: OrdersConfig;
  payments: PaymentsConfig;
}

export type LocalServiceName = keyof LocalServiceConfigs;

export const LOCAL_SERVICES: readonly LocalServiceName[] = [
  "identity",
  "catalog",
  "orders",
  "payments",
];

export interface LocalServiceOptions {
  /** Where its events go; identity publishes none. */
  publisher?: BusPublisher;
  logger: Logger;
  /**
   * The one instance of the service that runs its scheduled jobs and seeds local access
   * (identity); replicas leave them to it. Outbox sweepers run everywhere: they claim rows.
   */
  primary: boolean;
}

export interface LocalService {
  fetch: (request: Request) => Response | Promise<Response>;
  /** Its queue's event handler; identity has none. */
  consumer?: DeliveryHandler;
  /** Identity's primary only: where the seeded local clients' secrets are. */
  access?: LocalAccess;
  /** Stops what started, in reverse: jobs, the sweeper, then the service and its database. */
  close(): Promise<void>;
}

/** How often expired stock reservations are released. */
const RESERVATION_SWEEP_INTERVAL_MS = 5_000;
const MAINTENANCE_INTERVAL_MS = 60 * 60_000;

export async function startLocalService<N extends LocalServiceName>(
  name: N,
  config: LocalServiceConfigs[N],
  options: LocalServiceOptions,
): Promise<LocalService> {
  const started: (() => Promise<unknown>)[] = [];
  const close = async () => {
    for (const stop of started.reverse()) {
      await stop().catch((error) => options.logger.error("stop failed", { error, service: name }));
    }
  };
  try {
    const service = await starters[name](config as never, options, started);
    return { ...service, close };
  } catch (error) {
    await close();
    throw error;
  }
}

type Starter<C> = (
  config: C,
  options: LocalServiceOptions,
  started: (() => Promise<unknown>)[],
) => Promise<Omit<LocalService, "close">>;

function needed(publisher: BusPublisher | undefined): BusPublisher {
  if (!publisher) throw new Error("this service publishes events: give it the bus's publisher");
  return publisher;
}

/**
 * What runs beside a service with an outbox, each stopped in reverse order: the service, its
 * outbox sweeper, and in the primary replica only, its hourly pruning.
 */
function runAlongside(
  service: {
    close(): Promise<unknown>;
    outbox: { startSweeper(): { stop(): Promise<unknown> } };
    prune(): Promise<unknown>;
  },
  { logger, primary }: Pick<LocalServiceOptions, "logger" | "primary">,
  started: (() => Promise<unknown>)[],
): void {
  started.push(service.close);
  started.push(service.outbox.startSweeper().stop);
  if (primary) started.push(every(MAINTENANCE_INTERVAL_MS, () => service.prune(), logger));
}

const starters: { [N in LocalServiceName]: Starter<LocalServiceConfigs[N]> } = {
  catalog: async (config, { publisher, logger, primary }, started) => {
    const catalog = await startCatalog(config, { publisher: needed(publisher) });
    runAlongside(catalog, { logger, primary }, started);
    if (primary) {
      started.push(
        every(RESERVATION_SWEEP_INTERVAL_MS, () => catalog.expireReservations(), logger),
      );
    }
    return { fetch: catalog.app.fetch, consumer: catalog.consumer };
  },
  orders: async (config, { publisher, logger, primary }, started) => {
    const orders = await startOrders(config, { publisher: needed(publisher) });
    runAlongside(orders, { logger, primary }, started);
    return { fetch: orders.app.fetch, consumer: orders.consumer };
  },
  payments: async (config, { publisher, logger, primary }, started) => {
    const payments = await startPayments(config, { publisher: needed(publisher) });
    runAlongside(payments, { logger, primary }, started);
    return { fetch: payments.app.fetch, consumer: payments.consumer };
  },
  identity: async (config, { logger, primary }, started) => {
    const identity = await startIdentity(config);
    started.push(identity.close);
    if (!primary) return { fetch: identity.app.fetch };
    started.push(every(MAINTENANCE_INTERVAL_MS, () => identity.prune(), logger));
    started.push(every(MAINTENANCE_INTERVAL_MS, () => identity.rotateKeyIfDue(), logger));
    // Local runs only: a CLI client, an admin client and a demo customer, secrets in DATA_DIR.
    const access = await seedLocalAccess(identity.db, { dataDir: config.DATA_DIR });
    return { fetch: identity.app.fetch, access };
  },
};
