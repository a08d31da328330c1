/**
 * Which transport carries events, and its settings; spread into a runner's config schema.
 *
 * @example
 * const Config = v.object({ ...databaseConfig, ...busConfig });
 */
import * as v from "valibot";
import { positiveInteger } from "../config.js";

export const busConfig = {
  /** embedded: a queue in the service database (default, no broker). */
  BUS: v.optional(v.picklist(["embedded"], "must be embedded"), "embedded"),
  /** Deliveries before a failing event goes to the dead-letter queue. */
  BUS_MAX_RECEIVE_COUNT: positiveInteger(5),
};

export type BusConfig = v.InferOutput<v.ObjectSchema<typeof busConfig, undefined>>;
