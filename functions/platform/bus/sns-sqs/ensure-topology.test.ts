import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsByTopicCommand,
} from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { topology } from "../../events/topology.js";
import { ensureSnsSqsTopology } from "./ensure-topology.js";
import type { BusTopology } from "./names.js";
import { freshNamespace, startTestEmulator, type TestEmulator } from "./test-emulator.js";

const shop: BusTopology = {
  publishers: { catalog: ["t.ProductCreated", "t.ProductUpdated"], orders: ["t.OrderPlaced"] },
  subscriptions: { listing: ["t.ProductCreated"], search: ["t.ProductCreated", "t.OrderPlaced"] },
};

let emulator: TestEmulator;
beforeAll(async () => {
  emulator = await startTestEmulator();
});
afterAll(() => emulator.stop());

async function subscriptionsOf(topicArn: string) {
  const { sns } = emulator.clients;
  const { Subscriptions = [] } = await sns.send(
    new ListSubscriptionsByTopicCommand({ TopicArn: topicArn }),
  );
  return Promise.all(
    Subscriptions.map(async (s) => {
      const { Attributes = {} } = await sns.send(
        new GetSubscriptionAttributesCommand({ SubscriptionArn: s.SubscriptionArn }),
      );
      return {
        queue: s.Endpoint?.split(":").pop(),
        raw: Attributes.RawMessageDelivery,
        filter: Attributes.FilterPolicy && JSON.parse(Attributes.FilterPolicy),
      };
    }),
  );
}

describe("ensureSnsSqsTopology", () => {
  it("creates topics, queues with redrive to their DLQs, and filtered raw subscriptions", async () => {
    const namespace = freshNamespace();
    const created = await ensureSnsSqsTopology(emulator.clients, {
      namespace,
      topology: shop,
      maxReceiveCount: 4,
      consumerTimeoutSeconds: 10,
    });
    expect(Object.values(created.topics).map((t) => t.name)).toEqual([
      `${namespace}-catalog-events`,
      `${namespace}-orders-events`,
    ]);
    expect(created.queues.search?.name).toBe(`${namespace}-search`);
    expect(created.queues.search?.deadLetter.name).toBe(`${namespace}-search-dlq`);

    const { Attributes = {} } = await emulator.clients.sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: created.queues.search?.url,
        AttributeNames: ["All"],
      }),
    );
    expect(Attributes.VisibilityTimeout).toBe("60");
    expect(JSON.parse(Attributes.RedrivePolicy ?? "{}")).toEqual({
      deadLetterTargetArn: created.queues.search?.deadLetter.arn,
      maxReceiveCount: 4,
    });
    const policy = JSON.parse(Attributes.Policy ?? "{}");
    expect(policy.Statement[0].Condition.ArnEquals["aws:SourceArn"]).toEqual([
      created.topics.catalog?.arn,
      created.topics.orders?.arn,
    ]);

    expect(await subscriptionsOf(created.topics.catalog?.arn ?? "")).toEqual(
      expect.arrayContaining([
        { queue: `${namespace}-listing`, raw: "true", filter: { type: ["t.ProductCreated"] } },
        { queue: `${namespace}-search`, raw: "true", filter: { type: ["t.ProductCreated"] } },
      ]),
    );
    expect(await subscriptionsOf(created.topics.orders?.arn ?? "")).toEqual([
      { queue: `${namespace}-search`, raw: "true", filter: { type: ["t.OrderPlaced"] } },
    ]);
  });

  it("is idempotent, and brings filter policies and subscriptions up to date", async () => {
    const namespace = freshNamespace();
    const first = await ensureSnsSqsTopology(emulator.clients, { namespace, topology: shop });
    const again = await ensureSnsSqsTopology(emulator.clients, { namespace, topology: shop });
    expect(again).toEqual(first);

    const changed: BusTopology = {
      publishers: shop.publishers,
      subscriptions: {
        listing: ["t.ProductCreated", "t.ProductUpdated"],
        search: ["t.ProductCreated"],
      },
    };
    await ensureSnsSqsTopology(emulator.clients, { namespace, topology: changed });
    expect(await subscriptionsOf(first.topics.catalog?.arn ?? "")).toEqual(
      expect.arrayContaining([
        {
          queue: `${namespace}-listing`,
          raw: "true",
          filter: { type: ["t.ProductCreated", "t.ProductUpdated"] },
        },
      ]),
    );
    // search no longer wants any orders event: its subscription is gone.
    expect(await subscriptionsOf(first.topics.orders?.arn ?? "")).toEqual([]);
  });

  it("derives everything from slipway's topology by default", async () => {
    const namespace = freshNamespace();
    const created = await ensureSnsSqsTopology(emulator.clients, { namespace });
    expect(Object.keys(created.topics)).toEqual(Object.keys(topology.publishers));
    expect(Object.keys(created.queues)).toEqual(Object.keys(topology.subscriptions));
    // One subscription per (publisher's topic, consuming queue) pair that shares a type,
    // filtered to exactly the shared types.
    const expected = Object.entries(topology.publishers).flatMap(([service, published]) =>
      Object.entries(topology.subscriptions).flatMap(([queue, wanted]) => {
        const types = (wanted as readonly string[]).filter((type) =>
          (published as readonly string[]).includes(type),
        );
        return types.length > 0 ? [{ service, queue, types }] : [];
      }),
    );
    expect(expected.length).toBeGreaterThan(3);
    const key = (s: { service: string; queue: string }) => `${s.service}→${s.queue}`;
    expect(
      created.subscriptions
        .map(({ service, queue, types }) => ({ service, queue, types: [...types].sort() }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    ).toEqual(
      expected
        .map((s) => ({ ...s, types: [...s.types].sort() }))
        .sort((a, b) => key(a).localeCompare(key(b))),
    );
  });

  it("refuses a visibility timeout under 6 × the consumer's timeout, and unpublished types", async () => {
    await expect(
      ensureSnsSqsTopology(emulator.clients, {
        namespace: freshNamespace(),
        consumerTimeoutSeconds: 30,
        visibilityTimeoutSeconds: 179,
      }),
    ).rejects.toThrow(/visibilityTimeoutSeconds 179 must be ≥ 6 × consumerTimeoutSeconds \(180\)/);
    await expect(
      ensureSnsSqsTopology(emulator.clients, {
        namespace: freshNamespace(),
        topology: { publishers: {}, subscriptions: { listing: ["t.Nobody"] } },
      }),
    ).rejects.toThrow(/listing subscribes to t.Nobody, which no service publishes/);
    await expect(ensureSnsSqsTopology(emulator.clients, { namespace: "bad name" })).rejects.toThrow(
      /namespace/,
    );
  });
});
