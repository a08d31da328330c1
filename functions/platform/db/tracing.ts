/**
 * A CLIENT span per database query, for both drivers, by wrapping the client given to Drizzle
 * (transactions and savepoints included). Spans are made only inside a trace (a request, an
 * event being handled): pollers and sweepers querying on their own make none. A span carries
 * the statement as Drizzle sends it, with `$n` placeholders, literals blanked and cut to
 * `MAX_STATEMENT_LENGTH`; never the parameters.
 *
 * @example
 * const db = drizzlePostgres({ client: tracePostgres(postgres(url)), schema });
 * const db = drizzlePglite({ client: tracePglite(pglite), schema });
 */
import type { PGlite, Transaction } from "@electric-sql/pglite";
import { type Attributes, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { Sql } from "postgres";

const tracer = trace.getTracer("slipway.db");

export const MAX_STATEMENT_LENGTH = 1000;

interface Statement {
  name: string;
  attributes: Attributes;
}

// Drizzle sends the same few statements again and again: describe each once.
const described = new Map<string, Statement>();
const MAX_DESCRIBED = 1000;

/** The span name and attributes of a statement: no value from it survives but its shape. */
export function describeStatement(text: string): Statement {
  const known = described.get(text);
  if (known) return known;
  const statement = blankLiterals(text);
  const operation = /^\s*(\w+)/.exec(statement)?.[1]?.toUpperCase() ?? "QUERY";
  const table = targetOf(operation, statement);
  const attributes: Attributes = {
    "db.system": "postgresql",
    "db.operation": operation,
    "db.statement":
      statement.length > MAX_STATEMENT_LENGTH
        ? `${statement.slice(0, MAX_STATEMENT_LENGTH)}…`
        : statement,
  };
  if (table) attributes["db.sql.table"] = table;
  const result = { name: table ? `${operation} ${table}` : operation, attributes };
  if (described.size >= MAX_DESCRIBED) described.clear();
  described.set(text, result);
  return result;
}

/** Replaces string literals and bare numbers (not `$n` placeholders, not names) with `?`. */
function blankLiterals(text: string): string {
  return text
    .replace(/'(?:[^']|'')*'/g, "?")
    .replace(/(?<![\w$."])-?\d+(?:\.\d+)?(?![\w"])/g, "?")
    .replace(/\s+/g, " ")
    .trim();
}

const TARGET: Record<string, RegExp> = {
  SELECT: /\bfrom\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i,
  INSERT: /^insert\s+into\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i,
  UPDATE: /^update\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i,
  DELETE: /^delete\s+from\s+((?:"[^"]+"|\w+)(?:\.(?:"[^"]+"|\w+))?)/i,
};

function targetOf(operation: string, statement: string): string | undefined {
  return TARGET[operation]?.exec(statement)?.[1]?.replaceAll('"', "");
}

function inQuerySpan<T>(text: string, run: () => Promise<T>): Promise<T> {
  // Outside a trace: no span, and nothing but this check.
  if (!trace.getActiveSpan()) return run();
  const { name, attributes } = describeStatement(text);
  return tracer.startActiveSpan(name, { kind: SpanKind.CLIENT, attributes }, async (span) => {
    try {
      return await run();
    } catch (error) {
      // The error's class and SQLSTATE only: driver messages can quote values.
      const code = (error as { code?: unknown }).code;
      span.setStatus({
        code: SpanStatusCode.ERROR,
        message: typeof code === "string" ? `SQLSTATE ${code}` : (error as Error).name,
      });
      if (typeof code === "string") span.setAttribute("db.response.status_code", code);
      throw error;
    } finally {
      span.end();
    }
  });
}

/** A postgres.js client whose `unsafe` queries (what Drizzle sends) are traced. */
export function tracePostgres<T extends Sql>(sql: T): T {
  return new Proxy(sql, {
    get(target, property) {
      // biome-ignore lint/suspicious/noExplicitAny: forwards whatever postgres.js has
      const value: any = Reflect.get(target, property, target);
      if (property === "unsafe") {
        return (query: string, ...rest: unknown[]) =>
          traceQuery(value.call(target, query, ...rest), query);
      }
      if (property === "begin" || property === "savepoint") {
        // The transaction's own client is a new `sql`: trace it too.
        return (...args: unknown[]) => {
          const work = args.pop() as (tx: Sql) => unknown;
          return value.call(target, ...args, (tx: Sql) => work(tracePostgres(tx)));
        };
      }
      return value;
    },
  });
}

/**
 * postgres.js queries are lazy promises that run when first awaited, and Drizzle adjusts them
 * (`.values()`) before that: time them from the first `then` (which `await`, `catch` and
 * `finally` all go through) to their settling.
 */
function traceQuery<Q extends Promise<unknown>>(query: Q, text: string): Q {
  // Drizzle awaits at once, in the context it made the query in: outside a trace, leave it be.
  if (!trace.getActiveSpan()) return query;
  const then = query.then;
  let traced: Promise<unknown> | undefined;
  // biome-ignore lint/suspicious/noThenProperty: deliberately re-wraps the query's own `then`
  Object.defineProperty(query, "then", {
    configurable: true,
    value(onFulfilled?: (value: unknown) => unknown, onRejected?: (reason: unknown) => unknown) {
      traced ??= inQuerySpan(text, () => then.call(query) as Promise<unknown>);
      return traced.then(onFulfilled, onRejected);
    },
  });
  return query;
}

/** A PGlite client whose queries (outside and inside transactions) are traced. */
export function tracePglite(client: PGlite): PGlite {
  return new Proxy(client, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (property === "query" || property === "exec") return traceMethod(target, value);
      if (property === "transaction") {
        return <T>(work: (tx: Transaction) => Promise<T>) =>
          target.transaction((tx) => work(traceTransaction(tx)));
      }
      // PGlite keeps its state in private fields: its methods must run on the instance itself.
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

function traceTransaction(tx: Transaction): Transaction {
  // Over the original, so its getters (`closed`) still read the live state.
  const traced = Object.create(tx) as Transaction;
  traced.query = traceMethod(tx, tx.query);
  traced.exec = traceMethod(tx, tx.exec);
  return traced;
}

// biome-ignore lint/suspicious/noExplicitAny: wraps methods of either shape as they are
function traceMethod<F extends (...args: any[]) => Promise<unknown>>(self: unknown, method: F): F {
  return ((query: string, ...rest: unknown[]) =>
    inQuerySpan(query, () => method.call(self, query, ...rest))) as F;
}
