/**
 * The one envelope every event travels in, on every transport: a CloudEvents 1.0 structured
 * JSON document whose data is the protobuf binary of the event, base64 in `data_base64`.
 *
 * @example
 * const envelope = toEnvelope({ source: "catalog", subject: product.id, schema: ProductCreatedSchema, message, traceparent });
 * const text = JSON.stringify(envelope);           // what the bus carries
 * const parsed = parseEnvelope(text);              // { ok: true, envelope } or { ok: false, reason }
 * const event = decodeEvent(parsed.envelope, ProductCreatedSchema);
 */
import { type DescMessage, fromBinary, type MessageShape, toBinary } from "@bufbuild/protobuf";
import { uuidv7 } from "uuidv7";
import * as v from "valibot";

export const PROTOBUF_CONTENT_TYPE = "application/protobuf";

const EnvelopeSchema = v.object({
  specversion: v.literal("1.0"),
  id: v.pipe(v.string(), v.minLength(1)),
  /** Protobuf type name of the payload: `slipway.catalog.v1.ProductCreated`. */
  type: v.pipe(v.string(), v.regex(/^[A-Za-z_][\w.]*$/)),
  /** `slipway/<service>` */
  source: v.pipe(v.string(), v.minLength(1)),
  time: v.pipe(v.string(), v.isoTimestamp()),
  /** The aggregate the event is about (a product id, an order id). */
  subject: v.string(),
  datacontenttype: v.literal(PROTOBUF_CONTENT_TYPE),
  /** W3C trace context of the change that caused the event (CloudEvents tracing extension). */
  traceparent: v.optional(
    v.pipe(v.string(), v.regex(/^[\da-f]{2}-[\da-f]{32}-[\da-f]{16}-[\da-f]{2}$/)),
  ),
  data_base64: v.pipe(v.string(), v.base64()),
});

export type Envelope = v.InferOutput<typeof EnvelopeSchema>;

export interface NewEvent<Desc extends DescMessage> {
  /** The publishing service's name: `catalog`. */
  source: string;
  subject: string;
  schema: Desc;
  message: MessageShape<Desc>;
  traceparent?: string | undefined;
  /** Defaults to a new UUIDv7. */
  id?: string;
  time?: Date;
}

export function toEnvelope<Desc extends DescMessage>(event: NewEvent<Desc>): Envelope {
  return {
    specversion: "1.0",
    id: event.id ?? uuidv7(),
    type: event.schema.typeName,
    source: sourceOf(event.source),
    time: (event.time ?? new Date()).toISOString(),
    subject: event.subject,
    datacontenttype: PROTOBUF_CONTENT_TYPE,
    ...(event.traceparent ? { traceparent: event.traceparent } : {}),
    data_base64: Buffer.from(toBinary(event.schema, event.message)).toString("base64"),
  };
}

export const sourceOf = (service: string) => `slipway/${service}`;

export type ParsedEnvelope = { ok: true; envelope: Envelope } | { ok: false; reason: string };

/** Parses what a transport delivered; never throws. */
export function parseEnvelope(text: string): ParsedEnvelope {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: "not JSON" };
  }
  const result = v.safeParse(EnvelopeSchema, json);
  if (result.success) return { ok: true, envelope: result.output };
  const problems = result.issues.map(
    (issue) => `${v.getDotPath(issue) ?? "envelope"}: ${issue.message}`,
  );
  return { ok: false, reason: `not a slipway envelope (${problems.join("; ")})` };
}

/** The event inside an envelope; throws when the payload is not a valid `schema` message. */
export function decodeEvent<Desc extends DescMessage>(
  envelope: Envelope,
  schema: Desc,
): MessageShape<Desc> {
  return fromBinary(schema, Buffer.from(envelope.data_base64, "base64"));
}
