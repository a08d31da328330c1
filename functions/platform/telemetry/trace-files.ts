/**
 * Finished spans as JSON lines, one span a line, in `<dir>/<yyyy-mm-dd>.jsonl` (the UTC day the
 * span started): the exporter `npm start` writes them with, and the reader `npm run trace` uses.
 * A batch is appended with one write to a file opened for append, batches one after another,
 * so lines never interleave, even with another process appending to the same file.
 *
 * @example
 * const exporter = new JsonLinesSpanExporter(join(dataDir, "traces"), (span) => serviceOf(span, "slipway"));
 * const spans = await readSpanRecords(join(dataDir, "traces"));
 */
import { mkdir, open, readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { type ExportResult, ExportResultCode, hrTimeToMilliseconds } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace-base";

/** One line of a trace file. Times are epoch milliseconds (microsecond fractions). */
export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: "INTERNAL" | "SERVER" | "CLIENT" | "PRODUCER" | "CONSUMER";
  service: string;
  /** The tracer's name (`slipway.rpc`, `slipway.orders`, ...). */
  scope: string;
  startMs: number;
  endMs: number;
  durationMs: number;
  status: { code: "UNSET" | "OK" | "ERROR"; message?: string };
  attributes: Attributes;
  events: { name: string; timeMs: number; attributes?: Attributes }[];
  links: { traceId: string; spanId: string; attributes?: Attributes }[];
}

const KINDS: Record<SpanKind, SpanRecord["kind"]> = {
  [SpanKind.INTERNAL]: "INTERNAL",
  [SpanKind.SERVER]: "SERVER",
  [SpanKind.CLIENT]: "CLIENT",
  [SpanKind.PRODUCER]: "PRODUCER",
  [SpanKind.CONSUMER]: "CONSUMER",
};

const STATUSES: Record<SpanStatusCode, SpanRecord["status"]["code"]> = {
  [SpanStatusCode.UNSET]: "UNSET",
  [SpanStatusCode.OK]: "OK",
  [SpanStatusCode.ERROR]: "ERROR",
};

const ms = (time: Parameters<typeof hrTimeToMilliseconds>[0]) =>
  Math.round(hrTimeToMilliseconds(time) * 1000) / 1000;

export function toSpanRecord(span: ReadableSpan, service: string): SpanRecord {
  const context = span.spanContext();
  const nonEmpty = (attributes: Attributes | undefined) =>
    attributes && Object.keys(attributes).length > 0 ? attributes : undefined;
  return {
    traceId: context.traceId,
    spanId: context.spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    name: span.name,
    kind: KINDS[span.kind] ?? "INTERNAL",
    service,
    scope: span.instrumentationScope.name,
    startMs: ms(span.startTime),
    endMs: ms(span.endTime),
    durationMs: ms(span.duration),
    status: {
      code: STATUSES[span.status.code] ?? "UNSET",
      ...(span.status.message ? { message: span.status.message } : {}),
    },
    attributes: span.attributes,
    events: span.events.map((event) => ({
      name: event.name,
      timeMs: ms(event.time),
      ...(nonEmpty(event.attributes) ? { attributes: event.attributes } : {}),
    })),
    links: span.links.map((link) => ({
      traceId: link.context.traceId,
      spanId: link.context.spanId,
      ...(nonEmpty(link.attributes) ? { attributes: link.attributes } : {}),
    })),
  };
}

/** `2026-11-29.jsonl` for a span that started on that UTC day. */
export function traceFileName(epochMs: number): string {
  return `${new Date(epochMs).toISOString().slice(0, 10)}.jsonl`;
}

export class JsonLinesSpanExporter implements SpanExporter {
  // Batches are written one after another; each waits for the previous one.
  private tail: Promise<unknown> = Promise.resolve();
  private stopped = false;
  private dirMade = false;

  constructor(
    readonly dir: string,
    private readonly serviceOf: (span: ReadableSpan) => string,
  ) {}

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    if (this.stopped) {
      done({ code: ExportResultCode.FAILED, error: new Error("exporter is shut down") });
      return;
    }
    const files = new Map<string, string[]>();
    for (const span of spans) {
      const record = toSpanRecord(span, this.serviceOf(span));
      const name = traceFileName(record.startMs);
      const lines = files.get(name) ?? [];
      lines.push(JSON.stringify(record));
      files.set(name, lines);
    }
    const write = this.tail.then(() => this.append(files));
    this.tail = write.catch(() => undefined);
    write.then(
      () => done({ code: ExportResultCode.SUCCESS }),
      (error: Error) => done({ code: ExportResultCode.FAILED, error }),
    );
  }

  async forceFlush(): Promise<void> {
    await this.tail;
  }

  async shutdown(): Promise<void> {
    this.stopped = true;
    await this.tail;
  }

  private async append(files: Map<string, string[]>): Promise<void> {
    if (!this.dirMade) {
      await mkdir(this.dir, { recursive: true });
      this.dirMade = true;
    }
    for (const [name, lines] of files) {
      await appendWhole(join(this.dir, name), Buffer.from(`${lines.join("\n")}\n`));
    }
  }
}

async function appendWhole(path: string, bytes: Buffer): Promise<void> {
  const file = await open(path, "a");
  try {
    // One write for the whole batch: with O_APPEND it lands at the end in one piece. A short
    // write (a full disk) continues where it stopped.
    let written = 0;
    while (written < bytes.length) {
      written += (await file.write(bytes, written)).bytesWritten;
    }
  } finally {
    await file.close();
  }
}

export interface SpanFiles {
  spans: SpanRecord[];
  /** Files read, oldest first. */
  files: string[];
  /** Lines that were not a span (a line cut short by a crash, say); skipped. */
  badLines: number;
}

/**
 * Every span in `dir`'s `*.jsonl` files, oldest file first; a missing directory has none.
 * With `traceIdPrefix`, only spans of traces whose id starts with it (lines are filtered
 * before they are parsed, so looking one trace up stays cheap).
 */
export async function readSpanRecords(dir: string, traceIdPrefix?: string): Promise<SpanFiles> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith(".jsonl")).sort();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      return { spans: [], files: [], badLines: 0 };
    }
    throw error;
  }
  const spans: SpanRecord[] = [];
  let badLines = 0;
  for (const name of names) {
    const text = await readFile(join(dir, name), "utf8");
    for (const line of text.split("\n")) {
      if (line === "" || (traceIdPrefix !== undefined && !line.includes(traceIdPrefix))) continue;
      const record = parseRecord(line);
      if (record === undefined) badLines += 1;
      else if (traceIdPrefix === undefined || record.traceId.startsWith(traceIdPrefix)) {
        spans.push(record);
      }
    }
  }
  return { spans, files: names.map((name) => join(dir, name)), badLines };
}

function parseRecord(line: string): SpanRecord | undefined {
  try {
    const value = JSON.parse(line) as Partial<SpanRecord>;
    const valid =
      typeof value.traceId === "string" &&
      typeof value.spanId === "string" &&
      typeof value.name === "string" &&
      typeof value.startMs === "number" &&
      typeof value.endMs === "number";
    return valid ? (value as SpanRecord) : undefined;
  } catch {
    return undefined;
  }
}
