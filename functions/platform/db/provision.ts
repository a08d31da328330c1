/**
 * One login role per service, owning only that service's schema: what an administrator does
 * once per database before the service first runs (`npm run start:local`, a cloud migrator).
 *
 * The role may create schemas in the database (its migrations run `CREATE SCHEMA "<service>"`,
 * which Postgres allows only with CREATE on the database) and its own journal table in the
 * shared `drizzle` schema, which the administrator creates. It gets nothing on other services'
 * schemas: each is owned by its own role, and a schema's owner grants no one else USAGE.
 *
 * Idempotent: a role that exists gets the given password; a service schema made earlier by
 * someone else (an older run as the administrator) is handed to the role with everything in it.
 * The password travels as a SCRAM-SHA-256 verifier, so it never appears in SQL text or logs.
 *
 * @example
 * const admin = postgres(process.env.DATABASE_URL, { max: 1 });
 * const { role, url } = await provisionServiceRole(admin, { service: "catalog", password });
 * await startCatalog({ ...config, DATABASE_URL: url });
 */
import { createHash, createHmac, pbkdf2Sync, randomBytes } from "node:crypto";
import type { Sql, TransactionSql } from "postgres";

export interface ProvisionOptions {
  /** The service, which is also the name of its schema: `catalog`. */
  service: string;
  password: string;
  /** The login role; `slipway_<service>` unless given (roles are shared by a whole cluster). */
  role?: string;
}

export interface ServiceRole {
  role: string;
  /** A postgres:// URL of the admin connection's host, port and database, as the role. */
  url: string;
}

/** Schema of every service's migration journal (`drizzle.__<service>_migrations`). */
export const JOURNAL_SCHEMA = "drizzle";

const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;
const DUPLICATE_OBJECT = "42710";

/** The login role a service gets unless told otherwise; infra registers the same name. */
export const defaultServiceRole = (service: string) => `slipway_${service}`;

export async function provisionServiceRole(
  admin: Sql,
  { service, password, role = defaultServiceRole(service) }: ProvisionOptions,
): Promise<ServiceRole> {
  for (const [name, value] of [
    ["service", service],
    ["role", role],
  ] as const) {
    if (!IDENTIFIER.test(value)) {
      throw new Error(
        `${name} "${value}" must be 1-63 of a-z, 0-9 and _, not starting with a digit`,
      );
    }
  }
  if (!password) throw new Error("a service role needs a password");
  const verifier = scramVerifier(password);

  await admin.begin(async (tx) => {
    // Concurrent GRANTs on one database fail with "tuple concurrently updated": one
    // provisioner at a time per database (advisory locks do not span databases).
    await tx`select pg_advisory_xact_lock(hashtext('slipway:provision'))`;
    const [existing] = await tx`select 1 from pg_roles where rolname = ${role}`;
    // Roles belong to the cluster: another database's provisioner may create it meanwhile.
    const created =
      !existing &&
      (await tx
        .savepoint((sp) => run(sp, "create role %I login password %L", role, verifier))
        .then(
          () => true,
          (error: { code?: string }) => {
            if (error.code === DUPLICATE_OBJECT) return false;
            throw error;
          },
        ));
    if (!created) await run(tx, "alter role %I login password %L", role, verifier);
    await run(tx, "grant connect, create on database %I to %I", await currentDatabase(tx), role);
    await run(tx, "create schema if not exists %I", JOURNAL_SCHEMA);
    await run(tx, "grant usage, create on schema %I to %I", JOURNAL_SCHEMA, role);
    await handOver(tx, service, role);
  });
  return { role, url: roleUrl(admin, role, password) };
}

async function currentDatabase(tx: TransactionSql): Promise<string> {
  const [row] = await tx<{ name: string }[]>`select current_database() as name`;
  return row?.name ?? "";
}

/** Runs DDL built by the server's `format()`, so Postgres itself quotes names and literals. */
async function run(tx: TransactionSql, template: string, ...values: string[]): Promise<void> {
  const [row] = await tx<{ statement: string }[]>`
    select format(${template}, variadic ${values}::text[]) as statement`;
  if (!row) throw new Error(`could not format ${template}`);
  await tx.unsafe(row.statement);
}

/**
 * Gives the role the service's schema and journal when someone else made them (an older run
 * as the administrator): the schema, then each table, view, free-standing sequence, type and
 * function in it. Indexes and a table's own sequences follow their table.
 */
async function handOver(tx: TransactionSql, service: string, role: string): Promise<void> {
  const journal = `__${service}_migrations`;
  const [schema] = await tx`
    select 1 from pg_namespace
    where nspname = ${service} and nspowner <> (select oid from pg_roles where rolname = ${role})`;
  const objects = await tx<{ kind: string; name: string }[]>`
    with target as (select oid from pg_roles where rolname = ${role})
    select case c.relkind when 'S' then 'sequence' when 'v' then 'view'
             when 'm' then 'materialized view' when 'f' then 'foreign table' else 'table' end as kind,
           format('%I.%I', n.nspname, c.relname) as name
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where c.relowner <> (select oid from target)
      and c.relkind in ('r', 'p', 'v', 'm', 'S', 'f')
      and (n.nspname = ${service} or (n.nspname = ${JOURNAL_SCHEMA} and c.relname = ${journal}))
      and not (c.relkind = 'S' and exists (
        select 1 from pg_depend d
        where d.classid = 'pg_class'::regclass and d.objid = c.oid and d.deptype in ('a', 'i')))
    union all
    select case t.typtype when 'd' then 'domain' else 'type' end, format('%I.%I', n.nspname, t.typname)
    from pg_type t join pg_namespace n on n.oid = t.typnamespace
    where n.nspname = ${service} and t.typowner <> (select oid from target)
      and t.typtype in ('e', 'd', 'r', 'c') and (t.typtype <> 'c' or t.typrelid = 0
        or (select relkind from pg_class where oid = t.typrelid) = 'c')
    union all
    select case p.prokind when 'p' then 'procedure' when 'a' then 'aggregate' else 'function' end,
           p.oid::regprocedure::text
    from pg_proc p join pg_namespace n on n.oid = p.pronamespace
    where n.nspname = ${service} and p.proowner <> (select oid from target)`;
  if (!schema && objects.length === 0) return;
  // Changing an owner needs the right to act as the new one; a superuser has it, a cloud
  // administrator (CREATEROLE, not superuser) grants itself the role first.
  await tx`
    select 1 from pg_roles
    where rolname = current_user and not rolsuper and not pg_has_role(current_user, ${role}, 'MEMBER')
  `.then(async (rows) => {
    if (rows.length > 0) await run(tx, "grant %I to current_user", role);
  });
  if (schema) await run(tx, "alter schema %I owner to %I", service, role);
  for (const { kind, name } of objects) {
    // `name` is already quoted by format(%I) or regprocedure.
    await tx.unsafe(`alter ${kind} ${name} owner to ${quoteIdentifier(role)}`);
  }
}

const quoteIdentifier = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * The password as Postgres stores it (RFC 5802/7677 SCRAM-SHA-256, 4096 iterations), so the
 * plain password is never sent: `SCRAM-SHA-256$4096:<salt>$<StoredKey>:<ServerKey>`.
 */
export function scramVerifier(password: string, salt = randomBytes(16), iterations = 4096) {
  const salted = pbkdf2Sync(password.normalize("NFKC"), salt, iterations, 32, "sha256");
  const clientKey = createHmac("sha256", salted).update("Client Key").digest();
  const storedKey = createHash("sha256").update(clientKey).digest();
  const serverKey = createHmac("sha256", salted).update("Server Key").digest();
  const b64 = (bytes: Buffer) => bytes.toString("base64");
  return `SCRAM-SHA-256$${iterations}:${b64(salt)}$${b64(storedKey)}:${b64(serverKey)}`;
}

/** The admin connection's hosts, ports, database and TLS mode, with the role's credentials. */
function roleUrl(admin: Sql, role: string, password: string): string {
  const { host, port, database, ssl } = admin.options;
  const hosts = host.map((name, i) => {
    const bracketed = name.includes(":") ? `[${name}]` : name;
    return `${bracketed}:${port[i] ?? port[0] ?? 5432}`;
  });
  const url = new URL(`postgres://${hosts[0]}/${encodeURIComponent(database)}`);
  url.username = encodeURIComponent(role);
  url.password = encodeURIComponent(password);
  if (ssl) url.searchParams.set("sslmode", typeof ssl === "string" ? ssl : "require");
  const text = url.toString();
  // Several hosts (failover) do not fit URL's parser; postgres.js reads them comma-separated.
  return hosts.length > 1 ? text.replace(hosts[0] as string, hosts.join(",")) : text;
}
