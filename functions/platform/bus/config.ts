/**
 * Which transport carries events, and its settings; spread into a runner's config schema.
 *
 * @example
 * const Config = v.object({ ...databaseConfig, ...busConfig });
 */
import * as v from "valibot";
import { positiveInteger } from "../config.js";

export const busConfig = {
  /**
   * embedded: a queue in the service database (default, no broker); rabbitmq: RABBITMQ_URL;
   * sns-sqs: SNS topics and SQS queues (AWS, or AWS_ENDPOINT_URL for LocalStack / fauxqs).
   */
  BUS: v.optional(
    v.picklist(["embedded", "rabbitmq", "sns-sqs"], "must be embedded, rabbitmq or sns-sqs"),
    "embedded",
  ),
  /** Deliveries before a failing event goes to the dead-letter queue. */
  BUS_MAX_RECEIVE_COUNT: positiveInteger(5),
  /** Prefix of every topic, exchange and queue name, so stages can share a broker. */
  BUS_NAMESPACE: v.optional(
    v.pipe(v.string(), v.regex(/^[a-z0-9][a-z0-9-]{0,39}$/, "must be 1-40 of a-z, 0-9 and -")),
    "slipway",
  ),
  RABBITMQ_URL: v.optional(
    v.pipe(v.string(), v.regex(/^amqps?:\/\//, "must be an amqp:// or amqps:// URL")),
    "amqp://guest:guest@127.0.0.1:5672",
  ),
};

export type BusConfig = v.InferOutput<v.ObjectSchema<typeof busConfig, undefined>>;
