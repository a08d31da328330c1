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

/** Collection page size: at least 1, at most `max`. */
export const pageSizeRule = (max: number) =>
  v.pipe(
    v.number(),
    v.integer("must be an integer"),
    v.minValue(1, "must be at least 1"),
    v.maxValue(max, `must be at most ${max}`),
  );
