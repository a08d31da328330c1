// Network and data: the VPC and the shared Postgres (one schema and role per service, see
// DESIGN.md). In `sst dev` the database is the local Postgres from localstack/compose.yaml.

export const vpc = new sst.aws.Vpc("Vpc", {
  // Lambdas in private subnets need NAT to reach AWS APIs (SNS/SQS in later issues). Per the SST
  // Vpc docs a managed NAT Gateway is run and scaled by AWS (~$65/month for 2 AZs), while "ec2"
  // (fck-nat on t4g.nano) is ~10x cheaper but its bandwidth is scaled by hand: good enough for
  // every stage except production.
  nat: $app.stage === "production" ? "managed" : "ec2",
});

export const database = new sst.aws.Postgres("Database", {
  vpc,
  // Each Lambda instance holds its own connections; the proxy pools them so a burst of cold
  // starts cannot exhaust max_connections on a small instance.
  proxy: true,
  dev: {
    host: "127.0.0.1",
    port: 5432,
    username: "postgres",
    // The component refuses `dev` without a password; same default as the compose file.
    password: process.env.POSTGRES_PASSWORD ?? "postgres",
    database: "slipway",
  },
});
