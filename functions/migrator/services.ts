// The services that own a database (a schema and a login role each), in the order the migrator
// brings them up to date. Kept apart from the migrator's code so infra can read it cheaply.
export const servicesWithDatabase = ["identity", "catalog", "orders", "payments"] as const;

export type ServiceWithDatabase = (typeof servicesWithDatabase)[number];
