/**
 * Configuration for code that runs where SST deployed it: the environment, plus the values of
 * the resources SST links to the function (its database, secrets, other services' URLs), read
 * through SST's `Resource`. Anywhere else (npm start, tests, local parity) nothing is linked and
 * the same variables come from the environment, so a service reads one config either way.
 *
 * A service declares which variable comes from which linked resource once (its `links.ts`);
 * the infra tests check that each function links exactly those resources.
 *
 * @example
 * export const catalogLinks = {
 *   DATABASE_URL: linkedDatabaseUrl("CatalogDatabase"),
 *   INTERNAL_TOKEN_SECRET: linkedSecret("InternalTokenSecret"),
 * } satisfies Links;
 * const config = loadLinkedConfig(CatalogConfig, catalogLinks);
 */
import { Resource } from "sst/resource";
import { loadConfig } from "./config.js";

type Properties = Record<string, unknown>;

/** One config variable read from a linked resource's properties. */
export interface Link {
  /** The component's name in infra/, e.g. "CatalogDatabase". */
  readonly resource: string;
  read(properties: Properties): string;
}

export type Links = Record<string, Link>;

function property(properties: Properties, name: string, resource: string): string {
  const value = properties[name];
  if (typeof value !== "string" && typeof value !== "number") {
    throw new Error(`linked resource ${resource} has no "${name}"`);
  }
  return String(value);
}

/**
 * A Postgres connection URL from a linked database's host, port, username, password and
 * database. TLS is required unless the link says `tls: false` (`sst dev`'s local Postgres).
 */
export const linkedDatabaseUrl = (resource: string): Link => ({
  resource,
  read(db) {
    const [host, port, username, password, database] = [
      "host",
      "port",
      "username",
      "password",
      "database",
    ].map((name) => property(db, name, resource));
    const tls = db.tls === false ? "" : "?sslmode=require";
    return `postgres://${encodeURIComponent(username ?? "")}:${encodeURIComponent(password ?? "")}@${host}:${port}/${encodeURIComponent(database ?? "")}${tls}`;
  },
});

/** An `sst.Secret`'s value. */
export const linkedSecret = (resource: string): Link => ({
  resource,
  read: (secret) => property(secret, "value", resource),
});

/** The URL of a linked function (its function URL) or API, without a trailing slash. */
export const linkedUrl = (resource: string): Link => ({
  resource,
  read: (linked) => property(linked, "url", resource).replace(/\/+$/, ""),
});

/** True when SST deployed this process and put its links in reach of `Resource`. */
const linksActive = (env: Record<string, string | undefined> = process.env) =>
  Boolean(env.SST_RESOURCE_App);

/**
 * The variables `links` names, read from the linked resources; none when nothing is linked.
 * A link the function lacks fails here, at start-up, naming the resource.
 */
export function linkedEnvironment(
  links: Links,
  env: Record<string, string | undefined> = process.env,
  resources: Record<string, unknown> = Resource as unknown as Record<string, unknown>,
): Record<string, string> {
  if (!linksActive(env)) return {};
  return Object.fromEntries(
    Object.entries(links).map(([name, link]) => {
      // SST's Resource throws for a missing link itself; a plain record gives undefined.
      const properties = resources[link.resource];
      if (typeof properties !== "object" || properties === null) {
        throw new Error(`${name}: resource "${link.resource}" is not linked to this function`);
      }
      return [name, link.read(properties as Properties)];
    }),
  );
}

/** `loadConfig` over the environment and, where SST deployed the code, its linked resources. */
export function loadLinkedConfig<TSchema extends Parameters<typeof loadConfig>[0]>(
  schema: TSchema,
  links: Links,
  env: Record<string, string | undefined> = process.env,
): ReturnType<typeof loadConfig<TSchema>> {
  return loadConfig(schema, { ...env, ...linkedEnvironment(links, env) });
}
