/**
 * The local parity mode's database: the DATABASE_URL database (created when missing) and one
 * login role per service that owns only that service's schema, its password made once and
 * kept in DATA_DIR. Each service then connects as its own role.
 *
 * @example
 * const urls = await prepareServiceRoles("postgres://postgres@127.0.0.1:5432/slipway", {
 *   services: ["catalog", "orders"], dataDir: ".data", rolePrefix: "slipway",
 * });
 * urls.catalog; // postgres://slipway_catalog:…@127.0.0.1:5432/slipway
 */
import postgres from "postgres";
import { provisionServiceRole } from "../platform/db/provision.js";
import { localSecret } from "../platform/local-secret.js";

const INVALID_CATALOG_NAME = "3D000";

export interface PrepareOptions<S extends string> {
  services: readonly S[];
  dataDir: string;
  /** Roles are `<rolePrefix>_<service>`; they belong to the whole Postgres cluster. */
  rolePrefix: string;
}

export interface PreparedDatabase<S extends string> {
  /** Each service's connection URL, as its own role. */
  urls: Record<S, string>;
  /** Whether the database had to be created. */
  created: boolean;
}

export async function prepareServiceRoles<S extends string>(
  adminUrl: string,
  { services, dataDir, rolePrefix }: PrepareOptions<S>,
): Promise<PreparedDatabase<S>> {
  const created = await ensureDatabase(adminUrl);
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const urls = {} as Record<S, string>;
    for (const service of services) {
      const { url } = await provisionServiceRole(admin, {
        service,
        role: `${rolePrefix}_${service}`,
        password: await localSecret(dataDir, `postgres-${service}-password`),
      });
      urls[service] = url;
    }
    return { urls, created };
  } finally {
    await admin.end({ timeout: 5 });
  }
}

/** Creates the URL's database when it does not exist, through the server's `postgres` one. */
async function ensureDatabase(adminUrl: string): Promise<boolean> {
  const probe = postgres(adminUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    await probe`select 1`;
    return false;
  } catch (error) {
    if ((error as { code?: string }).code !== INVALID_CATALOG_NAME) throw error;
  } finally {
    await probe.end({ timeout: 1 });
  }
  const url = new URL(adminUrl);
  const database = decodeURIComponent(url.pathname.slice(1));
  url.pathname = "/postgres";
  const server = postgres(url.toString(), { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await server<{ statement: string }[]>`
      select format('create database %I', ${database}::text) as statement`;
    await server.unsafe(row?.statement ?? "");
    return true;
  } catch (error) {
    // Someone else created it meanwhile.
    if ((error as { code?: string }).code === "42P04") return false;
    throw error;
  } finally {
    await server.end({ timeout: 1 });
  }
}
