/**
 * Structured JSON logs through the Powertools logger, one per service.
 *
 * @example
 * const logger = createLogger("catalog", config.LOG_LEVEL);
 * logger.info("product created", { productId });
 */
import { Logger } from "@aws-lambda-powertools/logger";

export type { Logger };

export type LogLevel = "DEBUG" | "INFO" | "WARN" | "ERROR" | "CRITICAL" | "SILENT";

export function createLogger(serviceName: string, logLevel: LogLevel = "INFO"): Logger {
  return new Logger({ serviceName, logLevel });
}
