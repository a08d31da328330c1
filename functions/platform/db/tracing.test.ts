// A span per query on both drivers, child of the active span, never carrying a value.
import { SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { eq, sql } from "drizzle-orm";
import { pgSchema, text } from "drizzle-orm/pg-core";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createTestDatabase, databaseKinds, type TestDatabase } from "../testing/databases.js";
import { useInMemoryTracing } from "../testing/in-memory-tracing.js";
import { type DatabaseHandle, openDatabase } from "./database.js";
import { describeStatement, MAX_STATEMENT_LENGTH } from "./tracing.js";

const exporter = useInMemoryTracing({ resetBeforeEach: false });

const traced = pgSchema("traced");
const secrets = traced.table("secrets", { id: text("id").primaryKey(), value: text("value") });
const schema = { secrets };
const SECRET = "hunter2-sk_live_51SECRET";

describe("describeStatement", () => {
  it("blanks literals and keeps placeholders, names and the operation", () => {
    const { name, attributes } = describeStatement(
      `select "id" from "traced"."secrets" where "value" = 'sk_live_x' and n > 42 and v = $1 limit $2`,
    );
    expect(name).toBe("SELECT traced.secrets");
    expect(attributes["db.operation"]).toBe("SELECT");
    expect(attributes["db.statement"]).toBe(
      `select "id" from "traced"."secrets" where "value" = ? and n > ? and v = $1 limit $2`,
    );
  });

  it("cuts long statements", () => {
    const long = `insert into t values (${Array.from({ length: 600 }, (_, i) => `$${i + 1}`).join(", ")})`;
    const statement = String(describeStatement(long).attributes["db.statement"]);
    expect(statement.length).toBeLessThanOrEqual(MAX_STATEMENT_LENGTH + 1);
  });
});

describe.each(databaseKinds)("query spans on %s", (kind) => {
  let test: TestDatabase;
  let database: DatabaseHandle<typeof schema>;
  beforeAll(async () => {
    test = await createTestDatabase(kind);
    database = await openDatabase({ url: test.url, dataDir: test.dataDir, schema });
    await database.db.execute(sql`create schema if not exists traced`);
    await database.db.execute(
      sql`create table if not exists traced.secrets (id text primary key, value text)`,
    );
  }, 60_000);
  afterAll(async () => {
    await database?.close();
    await test?.drop();
  });
  beforeEach(() => exporter.reset());

  it("makes none outside a trace", async () => {
    await database.db.select().from(secrets);
    expect(exporter.getFinishedSpans()).toEqual([]);
  });

  it("makes a CLIENT child span per query, in and out of transactions, without values", async () => {
    const tracer = trace.getTracer("test");
    const id = `id-${kind}`;
    const parent = await tracer.startActiveSpan("work", async (span) => {
      await database.db.insert(secrets).values({ id, value: SECRET });
      await database.db.transaction(async (tx) => {
        await tx
          .update(secrets)
          .set({ value: `${SECRET}!` })
          .where(eq(secrets.id, id));
        await tx
          .select()
          .from(secrets)
          .where(eq(secrets.value, `${SECRET}!`));
      });
      await database.db.delete(secrets).where(eq(secrets.id, id));
      span.end();
      return span.spanContext();
    });

    const spans = exporter.getFinishedSpans().filter((span) => span.name !== "work");
    const names = spans.map((span) => span.name);
    expect(names).toEqual(
      expect.arrayContaining([
        "INSERT traced.secrets",
        "UPDATE traced.secrets",
        "SELECT traced.secrets",
        "DELETE traced.secrets",
      ]),
    );
    for (const span of spans) {
      expect(span.kind).toBe(SpanKind.CLIENT);
      expect(span.spanContext().traceId).toBe(parent.traceId);
      expect(span.parentSpanContext?.spanId).toBe(parent.spanId);
      expect(span.attributes["db.system"]).toBe("postgresql");
      expect(JSON.stringify(span.attributes)).not.toContain("hunter2");
      expect(JSON.stringify(span.events)).not.toContain("hunter2");
    }
    const insert = spans.find((span) => span.name === "INSERT traced.secrets");
    expect(insert?.attributes["db.operation"]).toBe("INSERT");
    expect(insert?.attributes["db.statement"]).toMatch(/values \(\$1, \$2\)/);
  });

  it("sets an error status on a failed query, without the driver's message", async () => {
    const tracer = trace.getTracer("test");
    await tracer.startActiveSpan("work", async (span) => {
      await database.db.insert(secrets).values({ id: "dup", value: SECRET });
      await expect(
        database.db.insert(secrets).values({ id: "dup", value: SECRET }),
      ).rejects.toThrow();
      span.end();
    });
    const failed = exporter
      .getFinishedSpans()
      .filter((span) => span.name === "INSERT traced.secrets")
      .at(-1);
    expect(failed?.status.code).toBe(SpanStatusCode.ERROR);
    expect(failed?.status.message).toBe("SQLSTATE 23505");
    expect(JSON.stringify(failed?.status)).not.toContain("dup");
  });
});
