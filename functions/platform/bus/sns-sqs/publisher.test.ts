import { createServer } from "node:net";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductCreatedSchema } from "../../../gen/catalog/v1/events_pb.js";
import { type Envelope, toEnvelope } from "../../events/envelope.js";
import { createSnsSqsClients } from "./clients.js";
import { type EnsuredTopology, ensureSnsSqsTopology } from "./ensure-topology.js";
import type { BusTopology } from "./names.js";
import { createSnsSqsPublisher } from "./publisher.js";
import {
  drainQueue,
  freshNamespace,
  startTestEmulator,
  TEST_CREDENTIALS,
  type TestEmulator,
} from "./test-emulator.js";

const shop: BusTopology = {
  publishers: {
    catalog: ["t.ProductCreated", "t.ProductUpdated", "t.ProductArchived"],
    orders: ["t.OrderPlaced"],
  },
  subscriptions: {
    listing: ["t.ProductCreated"],
    search: ["t.ProductCreated", "t.ProductUpdated", "t.OrderPlaced"],
  },
};
const TRACEPARENT = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

function envelope(type: string, subject: string, traceparent?: string): Envelope {
  const product = { id: subject, sku: subject, name: subject };
  const base = toEnvelope({
    source: "test",
    subject,
    schema: ProductCreatedSchema,
    message: create(ProductCreatedSchema, { product }),
    traceparent,
  });
  return { ...base, type };
}

let emulator: TestEmulator;
let namespace: string;
let created: EnsuredTopology;
beforeAll(async () => {
  emulator = await startTestEmulator();
  namespace = freshNamespace();
  created = await ensureSnsSqsTopology(emulator.clients, { namespace, topology: shop });
});
afterAll(() => emulator.stop());

const received = async (queue: "listing" | "search") =>
  drainQueue(emulator.clients.sqs, created.queues[queue]?.url ?? "");

describe("createSnsSqsPublisher", () => {
  it("delivers each event to exactly the queues subscribed to its type, as raw JSON with attributes", async () => {
    const publisher = createSnsSqsPublisher({
      sns: emulator.clients.sns,
      namespace,
      topology: shop,
    });
    const created1 = envelope("t.ProductCreated", "p1", TRACEPARENT);
    const updated = envelope("t.ProductUpdated", "p1");
    const archived = envelope("t.ProductArchived", "p1"); // published, subscribed by no queue
    const placed = envelope("t.OrderPlaced", "o1");
    await publisher.publish([created1, updated, archived, placed]);

    const listing = await received("listing");
    expect(listing.map((m) => JSON.parse(m.Body ?? ""))).toEqual([created1]);
    expect(listing[0]?.MessageAttributes).toEqual({
      type: expect.objectContaining({ DataType: "String", StringValue: "t.ProductCreated" }),
      traceparent: expect.objectContaining({ DataType: "String", StringValue: TRACEPARENT }),
    });
    const search = await received("search");
    expect(search.map((m) => JSON.parse(m.Body ?? "").id).sort()).toEqual(
      [created1.id, updated.id, placed.id].sort(),
    );
    expect(search.find((m) => m.Body === JSON.stringify(updated))?.MessageAttributes).toEqual({
      type: expect.objectContaining({ StringValue: "t.ProductUpdated" }),
    });

    await publisher.publish([archived]);
    expect(await received("listing")).toEqual([]);
    expect(await received("search")).toEqual([]);
  });

  it("publishes more than ten events in batches of ten", async () => {
    const publisher = createSnsSqsPublisher({
      sns: emulator.clients.sns,
      namespace,
      topology: shop,
      topicArns: { catalog: created.topics.catalog?.arn ?? "" },
    });
    const many = Array.from({ length: 23 }, (_, i) => envelope("t.ProductCreated", `p${i}`));
    await publisher.publish(many);
    const ids = (await received("listing")).map((m) => JSON.parse(m.Body ?? "").id);
    expect(ids.sort()).toEqual(many.map((e) => e.id).sort());
  });

  it("rejects the whole publish when an entry fails, though others went through", async () => {
    const publisher = createSnsSqsPublisher({
      sns: emulator.clients.sns,
      namespace,
      topology: shop,
    });
    const fine = envelope("t.ProductCreated", "fine");
    // Over SNS's 256 KiB: it gets a batch of its own, and SNS refuses that entry.
    const tooBig = { ...envelope("t.ProductCreated", "big"), subject: "x".repeat(300_000) };
    await expect(publisher.publish([fine, tooBig])).rejects.toThrow(
      /SNS refused 1 of 1 events \(e0: InvalidParameter/,
    );
    // The outbox will publish both again; the duplicate of `fine` is the consumer's to ignore.
    expect((await received("listing")).map((m) => JSON.parse(m.Body ?? "").id)).toEqual([fine.id]);
  });

  it("rejects an event type no service publishes, and a topic that was never created", async () => {
    const publisher = createSnsSqsPublisher({
      sns: emulator.clients.sns,
      namespace,
      topology: shop,
    });
    await expect(publisher.publish([envelope("t.Unknown", "x")])).rejects.toThrow(
      /no service publishes t.Unknown/,
    );
    const elsewhere = createSnsSqsPublisher({
      sns: emulator.clients.sns,
      namespace: freshNamespace(),
      topology: shop,
    });
    await expect(elsewhere.publish([envelope("t.OrderPlaced", "o")])).rejects.toThrow(
      /topic .*-orders-events does not exist/,
    );
  });

  it("rejects when the endpoint is unreachable", async () => {
    const { sns } = createSnsSqsClients(
      { endpoint: `http://127.0.0.1:${await closedPort()}`, credentials: TEST_CREDENTIALS },
      {},
    );
    const publisher = createSnsSqsPublisher({
      sns,
      namespace,
      topology: shop,
      topicArns: { catalog: created.topics.catalog?.arn ?? "" },
    });
    await expect(publisher.publish([envelope("t.ProductCreated", "lost")])).rejects.toThrow(
      /ECONNREFUSED/,
    );
    sns.destroy();
  });

  it("refuses to publish after close", async () => {
    const publisher = createSnsSqsPublisher({
      sns: emulator.clients.sns,
      namespace,
      topology: shop,
    });
    await publisher.close();
    await expect(publisher.publish([envelope("t.ProductCreated", "late")])).rejects.toThrow(
      /closed/,
    );
  });
});

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}
