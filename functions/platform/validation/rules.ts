/**
 * Small valibot rules that several services and the gateway share: ids, currencies, page
 * sizes. Business rules stay with the service that owns them.
 *
 * @example
 * const GetProductRequestRules = v.object({ id: uuidRule });
 */
import * as v from "valibot";

export const uuidRule = v.pipe(v.string(), v.uuid("must be a UUID"));

// ICU's list of ISO 4217 codes that Node knows; no hand-kept table to go stale.
const currencies = new Set(Intl.supportedValuesOf("currency"));

export const currencyRule = v.pipe(
  v.string(),
  v.check((code) => currencies.has(code), "must be an ISO 4217 currency code in upper case"),
);

export const INT32_MAX = 2_147_483_647;

/** A whole number that fits a protobuf int32 field. */
export const int32Rule = v.pipe(
  v.number("must be a number"),
  v.integer("must be a whole number"),
  v.minValue(-INT32_MAX - 1, `must be at least ${-INT32_MAX - 1}`),
  v.maxValue(INT32_MAX, `must be at most ${INT32_MAX}`),
);

/** Text Postgres can store: any string without U+0000. */
export const textRule = v.pipe(
  v.string("must be a string"),
  v.check((text) => !text.includes("\u0000"), "must not contain the NUL character"),
);

/** Collection page size: at least 1, at most `max`. */
export const pageSizeRule = (max: number) =>
  v.pipe(
    v.number(),
    v.integer("must be an integer"),
    v.minValue(1, "must be at least 1"),
    v.maxValue(max, `must be at most ${max}`),
  );

/**
 * Messages for object schemas: a missing key reads "is required" and an unknown key "is not a
 * known field" (valibot's defaults describe its internals instead).
 */
export function objectMessage(issue: v.BaseIssue<unknown>): string {
  if (issue.expected === "never") return "is not a known field";
  if (issue.received === "undefined") return "is required";
  return "must be an object";
}

/**
 * Rules for a protobuf request message. protobuf-es leaves unset message fields out of the
 * object, so a message-typed entry that is not `v.optional` is a required field.
 */
export const messageRule = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.object(entries, objectMessage);
