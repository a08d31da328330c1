/**
 * The context of one unary call on the fast path: connect-es's `createHandlerContext` and
 * `invokeUnaryImplementation` (protocol/invoke-implementation.js) with one change. Stock, every
 * call builds two AbortControllers, links them to the request's signal with listeners, starts
 * a deadline timer, and at the end aborts the lot, which creates a DOMException; yet most calls
 * never look at their signal. Here the signal is made the first time an interceptor or the
 * implementation reads `signal` (on the request, the context, or `requestSignal`), from the same
 * parts: the request's signal, the deadline fixed when the call started, and the call's end.
 * Read during the call, it is the stock signal; read after the call ended, it is already aborted
 * with the reason the call ended with.
 *
 * @example
 * const call = createCallContext({ spec, request, timeoutMs: 5_000, binary: true });
 * try {
 *   const output = await invokeUnary(spec, call, input, interceptors);
 * } finally {
 *   call.abort();
 * }
 */
import { create, type DescMethodUnary } from "@bufbuild/protobuf";
import {
  Code,
  ConnectError,
  createContextValues,
  type HandlerContext,
  type Interceptor,
  type MethodImplSpec,
  type UnaryRequest,
  type UnaryResponse,
} from "@connectrpc/connect";
import { createDeadlineSignal, createLinkedAbortController } from "@connectrpc/connect/protocol";

export type UnarySpec = Extract<MethodImplSpec, { kind: "unary" }>;

/** The signal of one call, made on first read. */
class CallSignal {
  #controller: AbortController | undefined;
  #cleanup: (() => void) | undefined;
  #ended: { reason: unknown; at: number } | undefined;

  constructor(
    private readonly request: Request,
    /** Epoch milliseconds, as `createHandlerContext` fixes it. */
    private readonly deadline: number | undefined,
  ) {}

  get signal(): AbortSignal {
    if (this.#controller) return this.#controller.signal;
    if (this.#ended) {
      // Stock, the call's end stopped the deadline timer and aborted the signal, unless the
      // deadline or the request had aborted it first.
      const { reason, at } = this.#ended;
      const controller = new AbortController();
      if (this.deadline !== undefined && this.deadline <= at) {
        controller.abort(new ConnectError("the operation timed out", Code.DeadlineExceeded));
      } else if (this.request.signal.aborted) {
        controller.abort(this.request.signal.reason);
      } else {
        controller.abort(reason);
      }
      this.#controller = controller;
      return controller.signal;
    }
    const deadline = createDeadlineSignal(
      this.deadline === undefined ? undefined : this.deadline - Date.now(),
    );
    this.#cleanup = deadline.cleanup;
    this.#controller = createLinkedAbortController(deadline.signal, this.request.signal);
    return this.#controller.signal;
  }

  abort(reason?: unknown): void {
    if (this.#controller) {
      this.#cleanup?.();
      this.#controller.abort(reason);
    } else {
      this.#ended ??= { reason, at: Date.now() };
    }
  }
}

export interface CallContext extends HandlerContext {
  /** Ends the call: aborts its signal (now, or when first read) with `reason`. */
  abort(reason?: unknown): void;
}

export interface CallContextInit {
  spec: UnarySpec;
  request: Request;
  /** From `connect-timeout-ms`; undefined without the header. */
  timeoutMs: number | undefined;
  /** Decides the content type the answer starts with. */
  binary: boolean;
}

/** Same fields as the stock context of a Connect unary call, with a lazy `signal`. */
export function createCallContext({ spec, request, timeoutMs, binary }: CallContextInit) {
  const deadline = timeoutMs === undefined ? undefined : Date.now() + timeoutMs;
  const callSignal = new CallSignal(request, deadline);
  // Getters in the literal are own and enumerable: a spread copies them as it would a field.
  const context = {
    kind: spec.kind,
    method: spec.method,
    impl: spec.impl,
    service: spec.method.parent,
    requestMethod: request.method,
    protocolName: "connect",
    timeoutMs: deadline === undefined ? () => undefined : () => deadline - Date.now(),
    shutdownSignal: undefined,
    get requestSignal() {
      return request.signal;
    },
    // Stock copies them. The request is this call's alone and nothing reads its headers after
    // the call, so the copy (a Headers built per call) buys nothing here.
    requestHeader: request.headers,
    url: request.url,
    responseHeader: new Headers({
      "content-type": binary ? "application/proto" : "application/json",
    }),
    contextValues: undefined,
    get signal() {
      return callSignal.signal;
    },
    responseTrailer: new Headers(),
    abort: (reason?: unknown) => callSignal.abort(reason),
    values: createContextValues(),
  };
  return context satisfies CallContext;
}

type Context = ReturnType<typeof createCallContext>;

/** `invokeUnaryImplementation`, passing the signal on without reading it. */
export async function invokeUnary(
  spec: UnarySpec,
  context: Context,
  input: UnaryRequest["message"],
  interceptors: readonly Interceptor[],
): Promise<UnaryResponse["message"]> {
  const method = spec.method as DescMethodUnary;
  const service = method.parent;
  const implement = async (req: UnaryRequest): Promise<UnaryResponse> => {
    // The stock context spread, then the request's service, headers, signal and values.
    const implContext = {
      kind: context.kind,
      method: context.method,
      impl: context.impl,
      service: req.service,
      requestMethod: context.requestMethod,
      protocolName: context.protocolName,
      timeoutMs: context.timeoutMs,
      shutdownSignal: context.shutdownSignal,
      get requestSignal() {
        return context.requestSignal;
      },
      requestHeader: req.header,
      url: context.url,
      responseHeader: context.responseHeader,
      contextValues: context.contextValues,
      get signal() {
        return req.signal;
      },
      responseTrailer: context.responseTrailer,
      abort: context.abort,
      values: req.contextValues,
    };
    const output = await spec.impl(req.message, implContext satisfies HandlerContext);
    return {
      message: create(method.output, output),
      stream: false,
      method,
      service,
      header: context.responseHeader,
      trailer: context.responseTrailer,
    };
  };
  // Per call, as stock: an interceptor may keep state between its outer and inner function.
  let next = implement as (req: UnaryRequest) => Promise<UnaryResponse>;
  for (let i = interceptors.length - 1; i >= 0; i--) {
    next = (interceptors[i] as Interceptor)(next as Parameters<Interceptor>[0]) as typeof next;
  }
  const request = {
    stream: false as const,
    message: input,
    method,
    requestMethod: context.requestMethod,
    url: context.url,
    get signal() {
      return context.signal;
    },
    header: context.requestHeader,
    service,
    contextValues: context.values,
  } satisfies UnaryRequest;
  const { message, header, trailer } = await next(request);
  copyHeaders(header, context.responseHeader);
  copyHeaders(trailer, context.responseTrailer);
  return message;
}

// As stock, deleting while iterating (which can skip a key) included.
function copyHeaders(from: Headers, to: Headers): void {
  if (from === to) return;
  to.forEach((_, key) => {
    to.delete(key);
  });
  from.forEach((value, key) => {
    to.set(key, value);
  });
}
