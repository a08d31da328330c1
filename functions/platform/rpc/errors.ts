/**
 * Keeps internal failures inside: any error that is not a deliberate `ConnectError` is logged
 * with its stack and answered as a bare `Internal`, so SQL, stack traces and driver messages
 * never reach a caller.
 *
 * @example
 * mountConnect(app, routes, { interceptors: [createErrorInterceptor(logger), validation] });
 */
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { withoutQueryParameters } from "../db/errors.js";
import type { Logger } from "../logger.js";

export function createErrorInterceptor(logger: Logger): Interceptor {
  return (next) => async (req) => {
    try {
      return await next(req);
    } catch (error) {
      if (error instanceof ConnectError) throw error;
      logger.error("rpc failed", {
        procedure: `${req.method.parent.typeName}/${req.method.name}`,
        error: withoutQueryParameters(error) as Error,
      });
      throw new ConnectError("internal error", Code.Internal);
    }
  };
}
