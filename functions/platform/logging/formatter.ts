/**
 * What every log line carries, decided at log time: `service`, `function`, the active
 * OpenTelemetry span's `trace_id`/`span_id` (absent when no span is active or no SDK is
 * registered), the `request_id` or `message_id` of the unit of work (log-context.ts), and the
 * Lambda context when there is one; then the caller's keys, with secrets masked (redact.ts).
 * `prettyLine` renders the same attributes as one readable line for a terminal.
 *
 * @example
 * new Logger({ serviceName: "orders", logFormatter: new SlipwayLogFormatter({ role: "local" }) });
 */
import { LogFormatter, LogItem } from "@aws-lambda-powertools/logger";
import type { LogAttributes, UnformattedAttributes } from "@aws-lambda-powertools/logger/types";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { currentLogContext } from "./log-context.js";
import { redact, redactText } from "./redact.js";

export type LogFormat = "json" | "pretty";

type Env = Record<string, string | undefined>;

/**
 * JSON in Lambda and under CI, whatever is configured (machines read those logs); otherwise
 * LOG_FORMAT when set; otherwise pretty on a terminal and JSON into a pipe or file.
 */
export function resolveLogFormat(
  configured: LogFormat | undefined,
  env: Env = process.env,
  stdoutIsTty: boolean = process.stdout.isTTY === true,
): LogFormat {
  if (env.AWS_LAMBDA_FUNCTION_NAME || isCi(env)) return "json";
  return configured ?? (stdoutIsTty ? "pretty" : "json");
}

function isCi(env: Env): boolean {
  const ci = env.CI?.toLowerCase();
  return ci !== undefined && ci !== "" && ci !== "false" && ci !== "0";
}

export interface SlipwayLogFormatterOptions {
  /** `function` outside Lambda and outside any request or message, e.g. "local". */
  role: string;
  env?: Env;
}

export class SlipwayLogFormatter extends LogFormatter {
  readonly #role: string;
  readonly #lambdaFunction: string | undefined;

  constructor({ role, env = process.env }: SlipwayLogFormatterOptions) {
    super();
    this.#role = role;
    this.#lambdaFunction = env.AWS_LAMBDA_FUNCTION_NAME || undefined;
  }

  formatAttributes(attributes: UnformattedAttributes, additional: LogAttributes): LogItem {
    const span = trace.getActiveSpan()?.spanContext();
    const traced = span && isSpanContextValid(span) ? span : undefined;
    const { requestId, messageId, function: role, ...contextFields } = currentLogContext() ?? {};
    const lambda = attributes.lambdaContext;
    const base: LogAttributes = {
      level: attributes.logLevel,
      message: redactText(attributes.message),
      timestamp: this.formatTimestamp(attributes.timestamp),
      service: attributes.serviceName,
      function:
        lambda?.functionName ??
        this.#lambdaFunction ??
        role ??
        (messageId ? "consumer" : requestId ? "api" : this.#role),
      trace_id: traced?.traceId,
      span_id: traced?.spanId,
      request_id: requestId,
      message_id: messageId,
      function_request_id: lambda?.awsRequestId,
      cold_start: lambda?.coldStart,
      xray_trace_id: attributes.xRayTraceId,
      sampling_rate: attributes.sampleRateValue || undefined,
    };
    const formatError = (error: Error) => this.formatError(error);
    const extra = redact({ ...contextFields, ...additional }, formatError) as LogAttributes;
    return new LogItem({ attributes: base }).addAttributes(extra);
  }
}

/** Keys the pretty line shows in its fixed places, or leaves out as noise on a terminal. */
const PRETTY_OMITS = new Set([
  "level",
  "message",
  "timestamp",
  "service",
  "function",
  "trace_id",
  "span_id",
  "sampling_rate",
  "cold_start",
  "xray_trace_id",
]);

/**
 * `HH:MM:SS.mmm LEVEL service message key=value … trace=<8 chars>`, local time. An error's
 * stack follows on indented lines: on a terminal a person reads it, and a one-line stack is
 * unreadable.
 */
export function prettyLine(
  attributes: LogAttributes,
  stringify: (value: unknown) => string = (value) => JSON.stringify(value) ?? "",
): string {
  const time = new Date(String(attributes.timestamp));
  const clock = Number.isNaN(time.getTime()) ? String(attributes.timestamp) : localClock(time);
  const parts = [
    clock,
    String(attributes.level).padEnd(5),
    String(attributes.service),
    String(attributes.message),
  ];
  const stacks: string[] = [];
  for (const [key, value] of Object.entries(attributes)) {
    if (PRETTY_OMITS.has(key) || value === undefined) continue;
    const error = asFormattedError(value);
    if (error) {
      parts.push(`${key}=${quote(`${error.name}: ${error.message}`)}`);
      if (error.stack) stacks.push(indentStack(error.stack));
      continue;
    }
    parts.push(`${key}=${typeof value === "string" ? quote(value) : stringify(value)}`);
  }
  if (typeof attributes.trace_id === "string")
    parts.push(`trace=${attributes.trace_id.slice(0, 8)}`);
  return [parts.join(" "), ...stacks].join("\n");
}

function localClock(time: Date): string {
  const two = (n: number) => String(n).padStart(2, "0");
  const ms = String(time.getMilliseconds()).padStart(3, "0");
  return `${two(time.getHours())}:${two(time.getMinutes())}:${two(time.getSeconds())}.${ms}`;
}

function quote(text: string): string {
  return /^[^\s"=]+$/.test(text) ? text : JSON.stringify(text);
}

interface PrintableError {
  name: string;
  message: string;
  /** The stack's frames, then each cause as `caused by: Name: message` and its frames. */
  stack?: string;
}

function asFormattedError(value: unknown): PrintableError | undefined {
  if (typeof value !== "object" || value === null) return undefined;
  const { name, message, stack, cause } = value as Record<string, unknown>;
  if (typeof name !== "string" || typeof message !== "string" || !("location" in value)) {
    return undefined;
  }
  const lines = Array.isArray(stack) ? stack.join("\n") : typeof stack === "string" ? stack : "";
  const frames = lines.split("\n").slice(1);
  const inner = asFormattedError(cause);
  if (inner)
    frames.push(`caused by: ${inner.name}: ${inner.message}`, ...(inner.stack ?? "").split("\n"));
  const text = frames.filter(Boolean).join("\n");
  return { name, message, stack: text || undefined };
}

function indentStack(stack: string): string {
  return stack
    .split("\n")
    .map((line) => `    ${line.trim()}`)
    .join("\n");
}
