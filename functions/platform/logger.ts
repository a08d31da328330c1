/**
 * Logs through the Powertools logger, one per service. Every line carries `service`,
 * `function` (the Lambda function's name; elsewhere "api" in a request, "consumer" in a
 * message, else the logger's role), the active span's `trace_id`, and the `request_id` or
 * `message_id` of its unit of work (logging/log-context.ts); secret-looking keys and JWTs are
 * masked (logging/redact.ts). JSON, one object per line, in Lambda, under CI and into pipes;
 * one readable line on a terminal or with LOG_FORMAT=pretty (logging/formatter.ts).
 *
 * @example
 * const logger = createLogger("catalog", config.LOG_LEVEL, { format: config.LOG_FORMAT });
 * logger.info("product created", { productId });
 */

import type { LogItem } from "@aws-lambda-powertools/logger";
import { Logger, LogLevelThreshold } from "@aws-lambda-powertools/logger";
import type { ConstructorOptions } from "@aws-lambda-powertools/logger/types";
import * as v from "valibot";
import { loadConfig, logFormat } from "./config.js";
import {
  type LogFormat,
  prettyLine,
  resolveLogFormat,
  SlipwayLogFormatter,
} from "./logging/formatter.js";

export type { LogFormat, Logger };

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "CRITICAL" | "SILENT";

export interface LoggerOptions {
  /** `function` outside Lambda, requests and messages; "local" by default. */
  role?: string;
  /** LOG_FORMAT from the service's config; read from the environment when not given. */
  format?: LogFormat;
}

export function createLogger(
  serviceName: string,
  logLevel: LogLevel = "INFO",
  options: LoggerOptions = {},
): Logger {
  const format = resolveLogFormat(options.format ?? configuredLogFormat());
  const logFormatter = new SlipwayLogFormatter({ role: options.role ?? "local" });
  return new SlipwayLogger({ serviceName, logLevel, logFormatter }, format);
}

const LogFormatConfig = v.object({ LOG_FORMAT: logFormat });

function configuredLogFormat(): LogFormat | undefined {
  return loadConfig(LogFormatConfig).LOG_FORMAT;
}

/** Powertools' logger, printing the formatter's attributes as a readable line when pretty. */
class SlipwayLogger extends Logger {
  // Not a #private field: Powertools may print from inside its constructor, before this is set.
  private pretty: boolean | undefined;

  constructor(options: ConstructorOptions, format: LogFormat) {
    super(options);
    this.pretty = format === "pretty";
  }

  protected override printLog(logLevel: number, log: LogItem): void {
    if (!this.pretty) {
      super.printLog(logLevel, log);
      return;
    }
    log.prepareForPrint();
    const replacer = this.getJsonReplacer();
    const line = prettyLine(log.getAttributes(), (value) => JSON.stringify(value, replacer) ?? "");
    const stream = logLevel >= LogLevelThreshold.WARN ? process.stderr : process.stdout;
    stream.write(`${line}\n`);
  }

  /**
   * Never logs the Lambda event, whatever POWERTOOLS_LOGGER_LOG_EVENT says: it holds request
   * bodies and credentials.
   */
  override logEventIfEnabled(): void {}

  /** Used by `createChild`: children print like their parent. */
  protected override createLogger(options: ConstructorOptions = {}): Logger {
    return new SlipwayLogger(options, this.pretty ? "pretty" : "json");
  }
}
