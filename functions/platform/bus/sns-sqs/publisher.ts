/**
 * Publishes envelopes to the SNS topic of the service that publishes their type, ten per
 * `PublishBatch`, with the `type` (and `traceparent`) message attributes the queues' filter
 * policies and tracing read. Any failed entry rejects the whole call: the outbox retries it,
 * and consumers tolerate the duplicates that causes.
 *
 * @example
 * const publisher = createSnsSqsPublisher({ sns: clients.sns, namespace: "slipway-dev" });
 * await publisher.publish([envelope]);
 */
import {
  ListTopicsCommand,
  type MessageAttributeValue,
  PublishBatchCommand,
  type PublishBatchRequestEntry,
  type SNSClient,
} from "@aws-sdk/client-sns";
import type { Envelope } from "../../events/envelope.js";
import { topology as slipwayTopology } from "../../events/topology.js";
import type { BusPublisher } from "../port.js";
import { type BusTopology, publisherIn, snsSqsNames } from "./names.js";

export interface SnsSqsPublisherOptions {
  sns: SNSClient;
  namespace: string;
  topology?: BusTopology;
  /** Topic ARNs by publishing service (the cloud links them); others are found by name. */
  topicArns?: Readonly<Record<string, string>>;
}

// PublishBatch takes at most 10 entries and 256 KiB in all.
const MAX_ENTRIES = 10;
const MAX_BATCH_BYTES = 256 * 1024;

export function createSnsSqsPublisher(options: SnsSqsPublisherOptions): BusPublisher {
  const { sns } = options;
  const topology: BusTopology = options.topology ?? slipwayTopology;
  const names = snsSqsNames(options.namespace);
  const found = new Map<string, Promise<string>>();
  let closed = false;

  function topicArn(service: string): Promise<string> {
    const given = options.topicArns?.[service];
    if (given) return Promise.resolve(given);
    let arn = found.get(service);
    if (!arn) {
      arn = findTopic(sns, names.topic(service));
      // Forget a failed lookup so the outbox's retry looks again.
      arn.catch(() => found.delete(service));
      found.set(service, arn);
    }
    return arn;
  }

  return {
    async publish(envelopes) {
      if (closed) throw new Error("publisher is closed");
      const byService = new Map<string, Envelope[]>();
      for (const envelope of envelopes) {
        const service = publisherIn(topology, envelope.type);
        if (!service) throw new Error(`no service publishes ${envelope.type} in the topology`);
        byService.set(service, [...(byService.get(service) ?? []), envelope]);
      }
      const calls = [...byService].flatMap(([service, list]) =>
        batches(list.map(toEntry)).map(async (entries) => {
          const TopicArn = await topicArn(service);
          const { Failed = [] } = await sns.send(
            new PublishBatchCommand({ TopicArn, PublishBatchRequestEntries: entries }),
          );
          if (Failed.length > 0) {
            const why = Failed.map((f) => `${f.Id}: ${f.Code} ${f.Message ?? ""}`.trim());
            throw new Error(
              `SNS refused ${Failed.length} of ${entries.length} events (${why.join("; ")})`,
            );
          }
        }),
      );
      const results = await Promise.allSettled(calls);
      const failure = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
      if (failure) throw failure.reason;
    },
    async close() {
      closed = true;
    },
  };
}

function toEntry(envelope: Envelope): PublishBatchRequestEntry & { Id: string; Message: string } {
  const attributes: Record<string, MessageAttributeValue> = {
    type: { DataType: "String", StringValue: envelope.type },
  };
  if (envelope.traceparent) {
    attributes.traceparent = { DataType: "String", StringValue: envelope.traceparent };
  }
  return { Id: "", Message: JSON.stringify(envelope), MessageAttributes: attributes };
}

/** Splits entries into PublishBatch-sized groups and numbers them within each group. */
function batches(entries: ReturnType<typeof toEntry>[]): PublishBatchRequestEntry[][] {
  const groups: PublishBatchRequestEntry[][] = [];
  let group: PublishBatchRequestEntry[] = [];
  let bytes = 0;
  for (const entry of entries) {
    const size =
      Buffer.byteLength(entry.Message) + Buffer.byteLength(JSON.stringify(entry.MessageAttributes));
    if (group.length === MAX_ENTRIES || (group.length > 0 && bytes + size > MAX_BATCH_BYTES)) {
      groups.push(group);
      group = [];
      bytes = 0;
    }
    group.push({ ...entry, Id: `e${group.length}` });
    bytes += size;
  }
  if (group.length > 0) groups.push(group);
  return groups;
}

async function findTopic(sns: SNSClient, name: string): Promise<string> {
  let NextToken: string | undefined;
  do {
    const page = await sns.send(new ListTopicsCommand({ NextToken }));
    const arn = page.Topics?.find((topic) => topic.TopicArn?.endsWith(`:${name}`))?.TopicArn;
    if (arn) return arn;
    NextToken = page.NextToken;
  } while (NextToken);
  throw new Error(`SNS topic ${name} does not exist (create it with ensureSnsSqsTopology)`);
}
