/**
 * Typed configuration read from the environment and validated once at start-up.
 *
 * Every bad or missing variable is reported in one error, so a misconfigured deployment shows
 * all of its mistakes at once instead of one per restart.
 *
 * @example
 * const CatalogConfig = v.object({ PORT_CATALOG: port(3002), DATABASE_URL: v.optional(v.string()) });
 * const config = loadConfig(CatalogConfig); // throws ConfigError listing every bad variable
 */
import * as v from "valibot";

export class ConfigError extends Error {
  override name = "ConfigError";
  constructor(readonly problems: readonly string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
  }
}

/** An object schema, possibly piped through checks across variables. */
type EnvSchema = v.GenericSchema<Record<string, unknown>, Record<string, unknown>>;

export function loadConfig<TSchema extends EnvSchema>(
  schema: TSchema,
  env: Record<string, string | undefined> = process.env,
): v.InferOutput<TSchema> {
  // Empty strings count as unset: `FOO= npm start` should fall back to the default.
  const present = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ""));
  const result = v.safeParse(schema, present);
  if (result.success) return result.output;
  throw new ConfigError(
    result.issues.map((issue) => `${v.getDotPath(issue) ?? "(root)"}: ${issue.message}`),
  );
}

/** A TCP port number from a string, with a default. */
export const port = (fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.toNumber("must be a number"),
      v.integer("must be an integer"),
      v.minValue(1, "must be between 1 and 65535"),
      v.maxValue(65535, "must be between 1 and 65535"),
    ),
    String(fallback),
  );

/** A positive integer from a string, with a default. */
export const positiveInteger = (fallback: number) =>
  v.optional(
    v.pipe(
      v.string(),
      v.toNumber("must be a number"),
      v.integer("must be an integer"),
      v.minValue(1, "must be at least 1"),
    ),
    String(fallback),
  );

/** An absolute http(s) URL. */
export const httpUrl = v.pipe(
  v.string(),
  v.url("must be a URL"),
  v.regex(/^https?:\/\//, "must start with http:// or https://"),
);

/**
 * The public base URL of the gateway, which is the `iss` of every access token: identity signs
 * with it, the gateway checks it. Compared as a string, so taken exactly as given.
 */
export const tokenIssuer = v.optional(
  v.pipe(
    httpUrl,
    v.check((url) => !url.endsWith("/"), "must not end with /"),
    v.check((url) => !/[?#]/.test(url), "must not have a query or fragment"),
  ),
  "http://127.0.0.1:3000",
);

/** Deadline of each call to another service, in milliseconds; services accept at most 60 s. */
export const rpcTimeoutMs = v.pipe(
  positiveInteger(5000),
  v.maxValue(60_000, "must be at most 60000"),
);

export const logLevel = v.optional(
  v.picklist(
    ["DEBUG", "INFO", "WARN", "ERROR", "SILENT", "CRITICAL"],
    "must be one of DEBUG, INFO, WARN, ERROR, CRITICAL, SILENT",
  ),
  "INFO",
);

/**
 * How logs are written: `json` (one object per line) or `pretty` (one readable line). Unset
 * means pretty on a terminal, JSON otherwise; Lambda and CI always get JSON (see logger.ts).
 */
export const logFormat = v.optional(v.picklist(["json", "pretty"], "must be json or pretty"));
