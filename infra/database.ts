// Network and data: the VPC, the shared Postgres, and one login role per service that owns only
// its schema (DESIGN.md). Each role's password is generated here, registered with the RDS proxy
// and linked to that service's functions alone; the migrator (migrator.ts) creates the roles.
// In `sst dev` the database is the local Postgres from localstack/compose.yaml, used as its
// administrator.
import { servicesWithDatabase } from "../functions/migrator/services.js";
// The migrator creates each role under this name (provisionServiceRole's default).
import { defaultServiceRole } from "../functions/platform/db/provision.js";
import { componentPrefix, linkable } from "./linkables.js";

export const vpc = new sst.aws.Vpc("Vpc", {
  // Lambdas in private subnets reach SNS, SQS and the other services' function URLs through
  // NAT (SST's Vpc creates no VPC endpoints). Per the SST Vpc docs a managed NAT Gateway is run
  // and scaled by AWS (~$65/month for 2 AZs), while "ec2" (fck-nat on t4g.nano) is ~10x cheaper
  // but its bandwidth is scaled by hand: good enough for every stage except production.
  nat: $app.stage === "production" ? "managed" : "ec2",
});

const passwords = Object.fromEntries(
  servicesWithDatabase.map((service) => [
    service,
    // Letters and digits only: the password travels in a connection URL.
    new random.RandomPassword(`${componentPrefix(service)}DatabasePassword`, {
      length: 32,
      special: false,
    }),
  ]),
);

export const database = linkable(
  "Database",
  (name) =>
    new sst.aws.Postgres(name, {
      vpc,
      // Each Lambda instance holds its own connections; the proxy pools them so a burst of cold
      // starts cannot exhaust max_connections on a small instance. It logs in as each service's
      // role with the credentials listed here (SST does not create the roles: the migrator does).
      proxy: {
        credentials: servicesWithDatabase.map((service) => ({
          username: defaultServiceRole(service),
          password: passwords[service]?.result as SstOutput<string>,
        })),
      },
      dev: {
        host: "127.0.0.1",
        port: 5432,
        username: "postgres",
        // The component refuses `dev` without a password; same default as the compose file.
        password: process.env.POSTGRES_PASSWORD ?? "postgres",
        database: "slipway",
      },
    }),
);

/**
 * What each service's functions link to reach the database as their own role
 * (`Resource.CatalogDatabase`). In `sst dev` they use the local administrator, and each service
 * migrates its own schema when it starts, as `npm start` does.
 */
export const serviceDatabases = Object.fromEntries(
  servicesWithDatabase.map((service) => [
    service,
    linkable(
      `${componentPrefix(service)}Database`,
      (name) =>
        new sst.Linkable(name, {
          properties: {
            host: database.host,
            port: database.port,
            database: database.database,
            username: $dev ? database.username : defaultServiceRole(service),
            password: $dev ? database.password : passwords[service]?.result,
            // The proxy is reached over TLS; the laptop's Postgres has none.
            tls: !$dev,
          },
        }),
    ),
  ]),
) as Record<(typeof servicesWithDatabase)[number], sst.Linkable>;
