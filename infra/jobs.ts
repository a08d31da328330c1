// Scheduled maintenance: one Cron per job, each invoking a `functions/<service>/jobs` entry
// that runs one pass. Every minute: publish what the outboxes still hold (the safety net behind
// dispatch-on-commit) and expire overdue reservations; hourly: delete rows past their retention
// and rotate identity's signing key when due.
import { api } from "./api.js";
import { catalogApi } from "./catalog.js";
import { database, vpc } from "./database.js";
import { busEnvironment, busPermissions, topics } from "./events.js";
import { identityKeySecret, internalTokenSecret } from "./secrets.js";

interface Job {
  name: string;
  service: "catalog" | "identity" | "orders" | "payments";
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

// What one service's jobs need besides the database and the internal secret: the same as its API.
function serviceResources(service: Job["service"]): {
  link: unknown[];
  permissions: typeof busPermissions;
  environment: Record<string, string | ReturnType<typeof $interpolate>>;
} {
  if (service === "identity") {
    return {
      link: [identityKeySecret],
      permissions: [],
      environment: { IDENTITY_KEY_SECRET: identityKeySecret.value, TOKEN_ISSUER: api.url },
    };
  }
  return {
    // The sweep publishes to the service's topic.
    link: [topics[service]],
    permissions: busPermissions,
    environment: {
      ...busEnvironment,
      ...(service === "orders" ? { CATALOG_URL: catalogApi.url } : {}),
    },
  };
}

for (const job of jobs) {
  const { link, permissions, environment } = serviceResources(job.service);
  new sst.aws.Cron(job.name, {
    schedule: job.schedule,
    function: {
      handler: `functions/${job.service}/jobs.${job.handler}`,
      runtime: "nodejs20.x",
      architecture: "arm64",
      memory: "512 MB",
      timeout: "60 seconds",
      vpc,
      link: [database, ...link, internalTokenSecret],
      ...(permissions.length > 0 ? { permissions } : {}),
      environment: {
        SERVICE_NAME: job.service,
        DATABASE_URL: $interpolate`postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`,
        INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
        ...environment,
      },
    },
  });
}
