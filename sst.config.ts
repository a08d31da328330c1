// SST v3 app definition: names the app, sets what a stage keeps on removal, and composes the
// modules in infra/. Resources are defined there, never here. Types come from
// infra/sst-globals.d.ts (a checked subset of SST's), not `.sst/platform`, so CI can typecheck
// and evaluate this file without the `sst` CLI.

export default $config({
  app(input) {
    return {
      name: "slipway",
      home: "aws",
      removal: input?.stage === "production" ? "retain" : "remove",
      protect: input?.stage === "production",
      // Generates each service's database password (infra/database.ts).
      providers: { random: "4.21.2" },
    };
  },
  async run() {
    // Imported here, not at the top: SST evaluates app() before the component globals exist.
    // Linkable components first (secrets, the API, the database): functions link them by name.
    await import("./infra/secrets.js");
    await import("./infra/api.js");
    await import("./infra/database.js");
    await import("./infra/events.js");
    await import("./infra/catalog.js");
    await import("./infra/identity.js");
    await import("./infra/orders.js");
    await import("./infra/payments.js");
    await import("./infra/consumers.js");
    await import("./infra/jobs.js");
    await import("./infra/migrator.js");
    await import("./infra/gateway.js");
    const { api } = await import("./infra/api.js");
    return { api: api.url };
  },
});
