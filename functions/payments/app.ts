// Composition root of the payments service: builds its dependencies once and mounts every slice.
import { Hono } from "hono";
import { GetPaymentRequestSchema, PaymentsService } from "../gen/payments/v1/payments_pb.js";
import { createCredentialCheck, methodPolicy } from "../platform/auth/internal-credential.js";
import type { BusPublisher, DeliveryHandler } from "../platform/bus/port.js";
import { createEventConsumer, pruneInbox } from "../platform/events/consumer.js";
import {
  createOutboxDispatcher,
  type OutboxDispatcher,
} from "../platform/events/outbox-dispatcher.js";
import { serviceReadiness } from "../platform/health/checks.js";
import type { Readiness } from "../platform/health/readiness.js";
import { mountHealth } from "../platform/health/routes.js";
import { createLogger, type Logger } from "../platform/logger.js";
import { requestLogContext } from "../platform/logging/log-context.js";
import { metricsHandler } from "../platform/metrics/exposition.js";
import { createErrorInterceptor } from "../platform/rpc/errors.js";
import { mountConnect } from "../platform/rpc/serve.js";
import {
  assertEveryMethodHasRules,
  createValidationInterceptor,
  requestRules,
} from "../platform/rpc/validate.js";
import type { PaymentsConfig } from "./config.js";
import { openPaymentsDatabase } from "./db/open.js";
import { inbox, outbox } from "./db/schema.js";
import { getPayment, getPaymentRules } from "./features/get-payment/get-payment.js";
import {
  SETTLEMENT_CONSUMER,
  settlementHandlers,
} from "./features/settle-payment/settle-payment.js";
import type { PaymentsDb } from "./payment.js";
import { type ProviderFor, withRetries } from "./provider/provider.js";
import { pruneProviderRecords, simulatedProvider } from "./provider/simulated-provider.js";

export const SERVICE_NAME = "payments";

const rules = requestRules([[GetPaymentRequestSchema, getPaymentRules]]);
assertEveryMethodHasRules([PaymentsService], rules);

// Whose payment a caller may read is decided in the slice: a customer only their own.
const policy = methodPolicy(PaymentsService, { getPayment: ["orders:read"] });

export interface PaymentsDeps {
  db: PaymentsDb;
  logger: Logger;
  /** INTERNAL_TOKEN_SECRET: verifies the credential every call must carry. */
  internalSecret: string;
  /** What GET /health/ready checks (startPayments: its database and bus); liveness only without it. */
  readiness?: Readiness;
}

/** The payments service's HTTP app: Connect routes plus health probes. */
export function createPaymentsApp({ db, logger, internalSecret, readiness }: PaymentsDeps): Hono {
  const app = new Hono();
  app.use(requestLogContext({ logger }));
  mountHealth(app, readiness);
  // Local runs read the process's counters here; in Lambda they go out as EMF instead.
  app.get("/metrics", metricsHandler());
  mountConnect(app, (router) => router.service(PaymentsService, { getPayment: getPayment(db) }), {
    interceptors: [
      createErrorInterceptor(logger),
      // Before validation: a caller without a credential learns nothing about the rules.
      createCredentialCheck({ secret: internalSecret, service: SERVICE_NAME, policy }),
      createValidationInterceptor(rules),
    ],
  });
  return app;
}

export interface RunningPayments {
  app: Hono;
  db: PaymentsDb;
  /** Applies the events of the payments queue: the payment side of the order saga. */
  consumer: DeliveryHandler;
  /** Publishes what the outbox holds; run its sweeper wherever the service runs. */
  outbox: OutboxDispatcher;
  /**
   * Deletes outbox and inbox rows and the provider's idempotency records past their retention;
   * run it now and then.
   */
  prune(): Promise<{ outbox: number; inbox: number; providerRecords: number }>;
  close(): Promise<void>;
}

export interface PaymentsRuntime {
  /** Where the payments events go. */
  publisher: BusPublisher;
  /**
   * The payment provider, per event transaction; the simulated one by default. Its calls are
   * retried on transient failures either way.
   */
  provider?: ProviderFor;
}

/** Opens the database, applies pending migrations and builds the app and its consumer. */
export async function startPayments(
  config: PaymentsConfig,
  { publisher, provider = simulatedProvider }: PaymentsRuntime,
): Promise<RunningPayments> {
  const logger = createLogger(SERVICE_NAME, config.LOG_LEVEL);
  const database = await openPaymentsDatabase(config);
  const db = database.db;
  const dispatcher = createOutboxDispatcher({ db, outbox, publisher, logger });
  return {
    app: createPaymentsApp({
      db,
      logger,
      internalSecret: config.INTERNAL_TOKEN_SECRET,
      readiness: serviceReadiness({ db, publisher }),
    }),
    db,
    consumer: createEventConsumer({
      name: SETTLEMENT_CONSUMER,
      db,
      inbox,
      handlers: settlementHandlers({ providerFor: (tx) => withRetries(provider(tx)), logger }),
      logger,
      outbox: { table: outbox, dispatcher },
    }),
    outbox: dispatcher,
    prune: async () => ({
      outbox: await dispatcher.prune(),
      inbox: await pruneInbox(db, inbox),
      providerRecords: await pruneProviderRecords(db),
    }),
    close: database.close,
  };
}
