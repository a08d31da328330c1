/**
 * Recognises Postgres errors by SQLSTATE, whichever driver raised them.
 *
 * Drizzle wraps driver errors (`DrizzleQueryError`) and postgres.js and PGlite name the
 * constraint differently, so callers ask here instead of poking at error shapes.
 *
 * @example
 * if (isUniqueViolation(error, "products_sku_unique")) throw new ConnectError("duplicate SKU", Code.AlreadyExists);
 */
const UNIQUE_VIOLATION = "23505";
const CHECK_VIOLATION = "23514";
const NUMERIC_VALUE_OUT_OF_RANGE = "22003";

interface PgErrorFields {
  code?: unknown;
  constraint?: unknown;
  constraint_name?: unknown;
  cause?: unknown;
}

function findPgError(error: unknown): { code: string; constraint: string | undefined } | undefined {
  for (let current = error, depth = 0; current && depth < 5; depth++) {
    const fields = current as PgErrorFields;
    if (typeof fields.code === "string" && /^[0-9A-Z]{5}$/.test(fields.code)) {
      const constraint = fields.constraint ?? fields.constraint_name;
      return {
        code: fields.code,
        constraint: typeof constraint === "string" ? constraint : undefined,
      };
    }
    current = fields.cause;
  }
  return undefined;
}

function matches(error: unknown, code: string, constraint?: string): boolean {
  const found = findPgError(error);
  return found?.code === code && (constraint === undefined || found.constraint === constraint);
}

export const isUniqueViolation = (error: unknown, constraint?: string) =>
  matches(error, UNIQUE_VIOLATION, constraint);

export const isCheckViolation = (error: unknown, constraint?: string) =>
  matches(error, CHECK_VIOLATION, constraint);

export const isNumericOutOfRange = (error: unknown) => matches(error, NUMERIC_VALUE_OUT_OF_RANGE);

/**
 * The error to log for a failed query: Drizzle's wrapper puts the query's parameters (a
 * password hash, an email) in its message; keep the SQL and the driver's reason, drop the values.
 */
export function withoutQueryParameters(error: unknown): unknown {
  const wrapped = error as { query?: unknown; params?: unknown; cause?: unknown };
  if (!(error instanceof Error) || typeof wrapped.query !== "string" || !("params" in wrapped)) {
    return error;
  }
  const reason = wrapped.cause instanceof Error ? wrapped.cause.message : "unknown";
  const safe = new Error(`failed query: ${wrapped.query} (${reason})`);
  const code = findPgError(error)?.code;
  return code ? Object.assign(safe, { code }) : safe;
}
