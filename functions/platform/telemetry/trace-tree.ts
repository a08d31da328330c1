/**
 * Spans read from the trace files as text for a person: one trace as an indented tree (from the
 * parent ids, children by start time), and a list of recent traces to pick one from.
 *
 * @example
 * process.stdout.write(renderTrace(spans));            // one trace's spans
 * process.stdout.write(renderTraceList(summarizeTraces(all).slice(0, 20)));
 */
import type { SpanRecord } from "./trace-files.js";

export interface SpanNode {
  span: SpanRecord;
  children: SpanNode[];
  /** Its parent id names a span that is not among the spans (another process, not flushed). */
  orphan: boolean;
}

/** The spans as trees: roots (and orphans) at the top, every level sorted by start. */
export function buildTree(spans: readonly SpanRecord[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) {
    // The same span twice (a file copied into itself, say) is shown once.
    if (!nodes.has(span.spanId)) nodes.set(span.spanId, { span, children: [], orphan: false });
  }
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parentId = node.span.parentSpanId;
    const parent = parentId === undefined ? undefined : nodes.get(parentId);
    if (parent !== undefined && parent !== node) parent.children.push(node);
    else {
      node.orphan = parentId !== undefined;
      roots.push(node);
    }
  }
  const sort = (list: SpanNode[]) => {
    list.sort((a, b) => a.span.startMs - b.span.startMs);
    for (const node of list) sort(node.children);
  };
  sort(roots);
  return roots;
}

export interface TraceSummary {
  traceId: string;
  /** The earliest span without a recorded parent, else the earliest span. */
  root: SpanRecord;
  startMs: number;
  durationMs: number;
  spans: number;
  errors: number;
  services: string[];
  /**
   * A bus consumer receiving a batch: its span only links to the messages' own traces, so it
   * is a trace of its own, of bus work, not of what a user did.
   */
  busReceive: boolean;
}

/** One summary per trace, most recent first. */
export function summarizeTraces(spans: readonly SpanRecord[]): TraceSummary[] {
  const byTrace = new Map<string, SpanRecord[]>();
  for (const span of spans) {
    const list = byTrace.get(span.traceId) ?? [];
    list.push(span);
    byTrace.set(span.traceId, list);
  }
  return [...byTrace].map(([traceId, list]) => summarize(traceId, list)).sort(byStartDescending);
}

const byStartDescending = (a: TraceSummary, b: TraceSummary) => b.startMs - a.startMs;

function summarize(traceId: string, spans: readonly SpanRecord[]): TraceSummary {
  const ids = new Set(spans.map((span) => span.spanId));
  const byStart = [...spans].sort((a, b) => a.startMs - b.startMs);
  const startMs = byStart[0]?.startMs ?? 0;
  const endMs = Math.max(...spans.map((span) => span.endMs));
  const root =
    byStart.find((span) => span.parentSpanId === undefined) ??
    byStart.find((span) => !ids.has(span.parentSpanId as string)) ??
    (byStart[0] as SpanRecord);
  return {
    traceId,
    root,
    startMs,
    durationMs: endMs - startMs,
    spans: ids.size,
    errors: spans.filter(isError).length,
    services: [...new Set(spans.map((span) => span.service))].sort(),
    busReceive: root.attributes?.["messaging.operation.type"] === "receive",
  };
}

export const isError = (span: SpanRecord) =>
  span.status?.code === "ERROR" || (span.events ?? []).some((e) => e.name === "exception");

/** One trace's spans as an indented tree, with a header line. */
export function renderTrace(spans: readonly SpanRecord[]): string {
  if (spans.length === 0) return "";
  const summary = summarize(spans[0]?.traceId ?? "", spans);
  const lines = [
    `trace ${summary.traceId} · ${summary.spans} span${summary.spans === 1 ? "" : "s"} · ` +
      `${duration(summary.durationMs)} · started ${utc(summary.startMs)} UTC · ` +
      `${summary.services.join(", ")}` +
      (summary.errors > 0 ? ` · ${summary.errors} with errors` : ""),
    "",
    `${"start".padStart(10)} ${"duration".padStart(10)}  service/span (kind)`,
  ];
  const seen = new Set<SpanNode>();
  const walk = (node: SpanNode, indent: string, branch: string, last: boolean) => {
    if (seen.has(node)) return;
    seen.add(node);
    const { span } = node;
    const offset = `+${duration(span.startMs - summary.startMs)}`;
    lines.push(
      `${offset.padStart(10)} ${duration(span.durationMs).padStart(10)}  ${indent}${branch}` +
        `${span.service}  ${span.name}  (${(span.kind ?? "INTERNAL").toLowerCase()})` +
        (node.orphan ? `  [parent ${span.parentSpanId} not recorded]` : "") +
        (span.status?.code === "ERROR"
          ? `  ✗ ERROR${span.status.message ? `: ${span.status.message}` : ""}`
          : ""),
    );
    const childIndent = indent + (branch === "" ? "" : last ? "   " : "│  ");
    for (const problem of exceptions(span)) {
      const bar = node.children.length > 0 ? "│  " : "   ";
      lines.push(`${"".padStart(23)}${childIndent}${bar}! ${problem}`);
    }
    node.children.forEach((child, index) => {
      const lastChild = index === node.children.length - 1;
      walk(child, childIndent, lastChild ? "└─ " : "├─ ", lastChild);
    });
  };
  for (const root of buildTree(spans)) walk(root, "", "", true);
  return `${lines.join("\n")}\n`;
}

/** `exception Error: boom` for each exception event of the span. */
function exceptions(span: SpanRecord): string[] {
  return (span.events ?? [])
    .filter((event) => event.name === "exception")
    .map((event) => {
      const type = event.attributes?.["exception.type"];
      const message = event.attributes?.["exception.message"];
      return `exception ${[type, message].filter((part) => part !== undefined).join(": ")}`;
    });
}

/** The traces as a table, in the order given. */
export function renderTraceList(summaries: readonly TraceSummary[]): string {
  const lines = [
    `${"started (UTC)".padEnd(23)}  ${"duration".padStart(10)}  ${"spans".padStart(5)}  errors  ${"trace id".padEnd(32)}  root`,
    ...summaries.map(
      (trace) =>
        `${utc(trace.startMs).padEnd(23)}  ${duration(trace.durationMs).padStart(10)}  ` +
        `${String(trace.spans).padStart(5)}  ${String(trace.errors).padStart(6)}  ` +
        `${trace.traceId.padEnd(32)}  ${trace.root.service}  ${trace.root.name}`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

/** `0.42 ms`, `12.3 ms`, `250 ms`, `1.25 s`. */
export function duration(milliseconds: number): string {
  if (milliseconds >= 1000) return `${(milliseconds / 1000).toFixed(2)} s`;
  if (milliseconds >= 100) return `${milliseconds.toFixed(0)} ms`;
  if (milliseconds >= 10) return `${milliseconds.toFixed(1)} ms`;
  return `${milliseconds.toFixed(2)} ms`;
}

const utc = (epochMs: number) => new Date(epochMs).toISOString().replace("T", " ").slice(0, 23);
