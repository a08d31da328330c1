/**
 * The life of one call through unary-transport.ts: its deadline, the caller's signal, the
 * `signal` interceptors see (made only when one reads it), and how its end is reported, as
 * connect-es's `runUnaryCall` reports it: a deadline as DeadlineExceeded, a caller's abort as
 * Canceled, anything else thrown as a ConnectError (Unknown unless it is one).
 *
 * @example
 * const call = new UnaryCall(signal, timeoutMs);
 * const req = call.request({ ...fields });
 * try { const res = await chain(req); call.done(); return res; } catch (e) { throw call.fail(e); }
 */
import { Code, ConnectError, type UnaryRequest } from "@connectrpc/connect";
import { getAbortSignalReason } from "@connectrpc/connect/protocol";

const CALL = Symbol("slipway.unary-call");

/** Ends the exchange in flight with this reason. */
export type Cancel = (reason: ConnectError) => void;

type Tagged = UnaryRequest & { [CALL]?: UnaryCall };

export class UnaryCall {
  private aborted = false;
  private reason: unknown;
  private finished = false;
  private failure: ConnectError | undefined;
  private controller: AbortController | undefined;
  private timer: NodeJS.Timeout | undefined;
  private cancel: Cancel | undefined;
  private req: UnaryRequest | undefined;

  constructor(
    private readonly callerSignal: AbortSignal | undefined,
    deadlineMs: number | undefined,
  ) {
    if (callerSignal?.aborted) this.abort(getAbortSignalReason(callerSignal));
    else callerSignal?.addEventListener("abort", this);
    if (deadlineMs !== undefined && !this.aborted)
      this.timer = setTimeout(expire, deadlineMs, this);
  }

  /** The request interceptors see; its `signal` is made on first read. */
  request(fields: Omit<UnaryRequest, "signal">): UnaryRequest {
    const call = this;
    const req: Tagged = {
      ...fields,
      get signal() {
        return call.signal();
      },
      [CALL]: this,
    };
    this.req = req;
    return req;
  }

  /**
   * Has `cancel` called when the call is aborted while `req` is in flight; answers the function
   * that stops that. Follows `req.signal` as well where an interceptor passed on a signal of its
   * own, or a request this call did not make.
   */
  static watch(req: UnaryRequest, cancel: Cancel): () => void {
    const call = (req as Tagged)[CALL];
    const foreign =
      call === undefined || (req !== call.req && req.signal !== call.controller?.signal)
        ? req.signal
        : undefined;
    if (call?.aborted) {
      cancel(toConnectError(call.reason));
      return noop;
    }
    if (foreign?.aborted) {
      cancel(toConnectError(getAbortSignalReason(foreign)));
      return noop;
    }
    if (call) call.cancel = cancel;
    if (!foreign) return () => call?.release(cancel);
    const onAbort = () => cancel(toConnectError(getAbortSignalReason(foreign)));
    foreign.addEventListener("abort", onAbort);
    return () => {
      foreign.removeEventListener("abort", onAbort);
      call?.release(cancel);
    };
  }

  /** The call succeeded. */
  done(): void {
    this.finish();
    this.controller?.abort();
  }

  /** The call failed with `error`; answers what the caller gets. */
  fail(error: unknown): ConnectError {
    const failure = this.aborted
      ? ConnectError.from(this.reason, Code.Canceled)
      : ConnectError.from(error);
    this.failure = failure;
    this.cancel?.(failure);
    this.finish();
    this.controller?.abort(failure);
    return failure;
  }

  /** The caller's signal aborted (a listener object: no closure per call). */
  handleEvent(): void {
    if (this.callerSignal) this.abort(getAbortSignalReason(this.callerSignal));
  }

  abort(reason: unknown): void {
    if (this.aborted || this.finished) return;
    this.aborted = true;
    this.reason = reason;
    this.stopWatching();
    this.controller?.abort(reason);
    this.cancel?.(toConnectError(reason));
  }

  private signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
      else if (this.finished) this.controller.abort(this.failure);
    }
    return this.controller.signal;
  }

  private release(cancel: Cancel): void {
    if (this.cancel === cancel) this.cancel = undefined;
  }

  private finish(): void {
    this.finished = true;
    this.cancel = undefined;
    this.stopWatching();
  }

  private stopWatching(): void {
    clearTimeout(this.timer);
    this.callerSignal?.removeEventListener("abort", this);
  }
}

function expire(call: UnaryCall): void {
  call.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
}

function noop(): void {}

function toConnectError(reason: unknown): ConnectError {
  return reason instanceof ConnectError ? reason : connectErrorFromNodeReason(reason);
}

/**
 * Node's errors as connect-node reports them (its helper is not exported): a host that does not
 * answer is Unavailable, a connection reset mid-call Aborted, anything else Internal.
 */
export function connectErrorFromNodeReason(reason: unknown): ConnectError {
  const codes = new Set<string>();
  const seen = new Set<unknown>();
  for (let e = reason; e instanceof Error && !seen.has(e); e = e.cause) {
    seen.add(e);
    const code = (e as { code?: unknown }).code;
    if (typeof code === "string") codes.add(code);
  }
  const has = (...names: string[]) => names.some((name) => codes.has(name));
  const code = has("ERR_STREAM_WRITE_AFTER_END", "ERR_STREAM_DESTROYED", "ECONNRESET")
    ? Code.Aborted
    : has("ETIMEDOUT", "ENOTFOUND", "EAI_AGAIN", "ECONNREFUSED")
      ? Code.Unavailable
      : Code.Internal;
  const error = ConnectError.from(reason, code);
  if (error !== reason) error.cause = reason;
  return error;
}
