// Scheduled maintenance: one Cron per job, each invoking a `functions/<service>/jobs` entry
// that runs one pass. Every minute: publish what the outboxes still hold (the safety net behind
// dispatch-on-commit) and expire overdue reservations; hourly: delete rows past their retention
// and rotate identity's signing key when due. Each has its service's links and database role.
import { catalogLinks } from "../functions/catalog/links.js";
import { identityLinks } from "../functions/identity/links.js";
import { ordersLinks } from "../functions/orders/links.js";
import { paymentsLinks } from "../functions/payments/links.js";
import type { Links } from "../functions/platform/linked-config.js";
import { catalogApi } from "./catalog.js";
import { topics } from "./events.js";
import { serviceFunction } from "./service-function.js";

type Service = "catalog" | "identity" | "orders" | "payments";

interface Job {
  name: string;
  service: Service;
  handler: string;
  schedule: `rate(${string})`;
}

export const jobs: Job[] = [
  { name: "CatalogSweep", service: "catalog", handler: "sweep", schedule: "rate(1 minute)" },
  { name: "CatalogPrune", service: "catalog", handler: "prune", schedule: "rate(1 hour)" },
  { name: "OrdersSweep", service: "orders", handler: "sweep", schedule: "rate(1 minute)" },
  { name: "OrdersPrune", service: "orders", handler: "prune", schedule: "rate(1 hour)" },
  { name: "PaymentsSweep", service: "payments", handler: "sweep", schedule: "rate(1 minute)" },
  { name: "PaymentsPrune", service: "payments", handler: "prune", schedule: "rate(1 hour)" },
  {
    name: "IdentityMaintenance",
    service: "identity",
    handler: "maintain",
    schedule: "rate(1 hour)",
  },
];

const services: Record<Service, { links: Links; calls?: { arn: unknown }[] }> = {
  catalog: { links: catalogLinks },
  identity: { links: identityLinks },
  // Its entry builds the whole service, catalog client included.
  orders: { links: ordersLinks, calls: [catalogApi] },
  payments: { links: paymentsLinks },
};

for (const job of jobs) {
  const { links, calls } = services[job.service];
  new sst.aws.Cron(job.name, {
    schedule: job.schedule,
    function: serviceFunction(
      job.service,
      "jobs",
      {
        memory: "512 MB",
        timeout: "60 seconds",
        links,
        // The sweep publishes what the outbox holds.
        publishesTo: job.service in topics ? topics[job.service as keyof typeof topics] : undefined,
        ...(calls ? { calls } : {}),
      },
      job.handler,
    ),
  });
}
