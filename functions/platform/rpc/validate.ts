/**
 * Input rules for RPC requests: one valibot schema per request message, kept beside the slice
 * that handles it, and one server interceptor that applies them to every call.
 *
 * A request that breaks rules fails with `InvalidArgument` and a `slipway.rpc.v1.BadRequest`
 * detail listing every failing field (proto field paths such as `price.currency`), so a caller
 * can fix everything at once.
 *
 * @example
 * const rules = requestRules([
 *   [CreateProductRequestSchema, createProductRules],
 *   [GetProductRequestSchema, getProductRules],
 * ]);
 * const interceptors = [createValidationInterceptor(rules)];
 */
import type { DescMessage, DescService, MessageShape } from "@bufbuild/protobuf";
import { create } from "@bufbuild/protobuf";
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import * as v from "valibot";
import { BadRequestSchema, FieldViolationSchema } from "../../gen/rpc/v1/errors_pb.js";

type AnySchema = v.GenericSchema<unknown, unknown>;

/** Rules keyed by request message type name. Build with `requestRules`. */
export type RequestRules = ReadonlyMap<string, AnySchema>;

export type RuleFor<Desc extends DescMessage> = v.GenericSchema<MessageShape<Desc>, unknown>;

export function requestRules(
  entries: ReadonlyArray<readonly [DescMessage, AnySchema]>,
): RequestRules {
  return new Map(entries.map(([desc, schema]) => [desc.typeName, schema]));
}

/** Throws at start-up when an RPC of `services` has no rules, so none can slip through. */
export function assertEveryMethodHasRules(
  services: readonly DescService[],
  rules: RequestRules,
): void {
  const missing = services
    .flatMap((service) => service.methods)
    .filter((method) => !rules.has(method.input.typeName))
    .map((method) => `${method.parent.typeName}/${method.name}`);
  if (missing.length > 0) {
    throw new Error(`no request rules for: ${missing.join(", ")}`);
  }
}

export function createValidationInterceptor(rules: RequestRules): Interceptor {
  return (next) => async (req) => {
    const schema = rules.get(req.method.input.typeName);
    if (!schema) {
      throw new ConnectError(`no request rules for ${req.method.name}`, Code.Internal);
    }
    if (!req.stream) {
      check(schema, req.message);
      return next(req);
    }
    return next({ ...req, message: checkEach(schema, req.message) });
  };
}

async function* checkEach<T>(schema: AnySchema, messages: AsyncIterable<T>): AsyncIterable<T> {
  for await (const message of messages) {
    check(schema, message);
    yield message;
  }
}

function check(schema: AnySchema, message: unknown): void {
  const result = v.safeParse(schema, message);
  if (result.success) return;
  const violations = result.issues.map((issue) =>
    create(FieldViolationSchema, { field: fieldPath(issue), description: issue.message }),
  );
  throw new ConnectError(
    violations
      .map((violation) => `${violation.field || "request"}: ${violation.description}`)
      .join("; "),
    Code.InvalidArgument,
    undefined,
    [{ desc: BadRequestSchema, value: { fieldViolations: violations } }],
  );
}

/** `lines[2].quantityOrdered`-style path in proto field names: `lines[2].quantity_ordered`. */
function fieldPath(issue: v.BaseIssue<unknown>): string {
  let path = "";
  for (const item of issue.path ?? []) {
    const key = item.key;
    if (typeof key === "number") path += `[${key}]`;
    else path += `${path ? "." : ""}${String(key).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)}`;
  }
  return path;
}
