/**
 * The one validator every gateway route uses: hono-openapi's valibot validator (so the schema
 * also documents the route in /openapi.json) with failures answered as problem+json listing
 * every failing field.
 *
 * @example
 * app.post("/v1/products", validate("json", CreateProductBody), (c) => c.req.valid("json"));
 */
import type { StandardSchemaV1 } from "@standard-schema/spec";
import type { ValidationTargets } from "hono";
import { validator } from "hono-openapi";
import * as v from "valibot";
import { objectMessage, pageSizeRule } from "../platform/validation/rules.js";
import { type FieldError, ProblemError } from "./problem.js";

export function validate<Schema extends StandardSchemaV1, Target extends keyof ValidationTargets>(
  target: Target,
  schema: Schema,
) {
  return validator(target, schema, (result) => {
    if (result.success) return;
    // Every body here is a JSON object; for anything else one error says so, instead of a
    // list of complaints about array indexes or missing members.
    const notAnObject =
      target === "json" &&
      (typeof result.data !== "object" || result.data === null || Array.isArray(result.data));
    const errors = notAnObject
      ? [{ pointer: "#", detail: "must be a JSON object" }]
      : result.error.map((issue) => fieldError(target, issue));
    throw new ProblemError(
      "validation-failed",
      `the ${targetNames[target] ?? target} is not valid`,
      errors,
    );
  });
}

const targetNames: Partial<Record<keyof ValidationTargets, string>> = {
  json: "request body",
  query: "query string",
  param: "path",
  header: "request header",
};

function fieldError(target: keyof ValidationTargets, issue: StandardSchemaV1.Issue): FieldError {
  const keys = (issue.path ?? []).map((segment) =>
    String(typeof segment === "object" ? segment.key : segment),
  );
  if (target === "json") {
    // A JSON Pointer (RFC 6901) written as a URI fragment, as in RFC 9457's examples; "#" alone
    // is the whole body.
    const pointer = keys
      // toWellFormed: a JSON key may hold a lone surrogate, which encodeURIComponent rejects.
      .map(
        (key) =>
          `/${encodeURIComponent(key.toWellFormed().replace(/~/g, "~0").replace(/\//g, "~1"))}`,
      )
      .join("");
    return { pointer: `#${pointer}`, detail: issue.message };
  }
  return { parameter: keys.join("."), detail: issue.message };
}

/** A JSON object schema that rejects unknown fields, so a typo never passes silently. */
export const jsonObject = <const TEntries extends v.ObjectEntries>(entries: TEntries) =>
  v.strictObject(entries, objectMessage);

/** Most items a collection answers per page. */
export const MAX_PAGE_SIZE = 100;

const singleValue = v.string("must be given once");

/**
 * `cursor` and `limit` of a collection's query string, for `v.object({ ...pageQuery(20) })`:
 * `limit` arrives as text and becomes a number between 1 and MAX_PAGE_SIZE.
 */
export function pageQuery(defaultSize: number) {
  return {
    cursor: v.optional(
      v.pipe(singleValue, v.description("`nextCursor` of the previous page; omit for the first")),
    ),
    limit: v.optional(
      v.pipe(
        singleValue,
        // Digits only: Number() would also take "0x10", "1e1" and " 5 ".
        v.check((text) => /^\d{1,9}$/.test(text), "must be a whole number"),
        v.toNumber("must be a number"),
        pageSizeRule(MAX_PAGE_SIZE),
        v.description(`Items per page; ${defaultSize} when omitted`),
      ),
    ),
  };
}
