// Scheduled maintenance: one Cron per job, each invoking a `functions/<service>/jobs` entry
// that runs one pass. Every minute: publish what the outboxes still hold (the safety net behind
// dispatch-on-commit) and expire overdue reservations; hourly: delete rows past their retention
// and rotate identity's signing key when due. Each has its service's links and database role.
import type { ServiceWithDatabase } from "../functions/migrator/services.js";
import { serviceFunction } from "./service-function.js";
import { serviceWiring } from "./service-wiring.js";

interface Job {
  name: string;
  service: ServiceWithDatabase;
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

for (const job of jobs) {
  new sst.aws.Cron(job.name, {
    schedule: job.schedule,
    function: serviceFunction(
      job.service,
      "jobs",
      { memory: "512 MB", timeout: "60 seconds", ...serviceWiring[job.service] },
      job.handler,
    ),
  });
}
