/**
 * Creates, or brings up to date, every SNS topic, SQS queue, dead-letter queue and
 * subscription the topology needs, under one namespace. Safe to run again and again: tests,
 * `localstack/create-topology.ts` and the cloud infrastructure all derive from it.
 *
 * @example
 * const created = await ensureSnsSqsTopology(clients, { namespace: "slipway-dev", maxReceiveCount: 5 });
 * created.queues.catalog.url; // the catalog queue's URL
 */
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import { SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { topology as slipwayTopology } from "../../events/topology.js";
import type { SnsSqsClients } from "./clients.js";
import { type BusTopology, publisherIn, snsSqsNames } from "./names.js";
import { allowTopicsToSend, type EnsuredQueue, ensureQueue } from "./queues.js";
import { type EnsuredSubscription, ensureSubscriptions } from "./subscriptions.js";

export interface SnsSqsTopologyOptions {
  /** Prefix of every name, e.g. "slipway-dev"; tests use a random one. */
  namespace: string;
  /** Defaults to slipway's topology. */
  topology?: BusTopology;
  /** Deliveries before SQS moves a message to the DLQ (default 5). */
  maxReceiveCount?: number;
  /** The consumer's timeout, e.g. the Lambda's (default 30 s). */
  consumerTimeoutSeconds?: number;
  /** At least 6 × the consumer's timeout, as AWS advises for Lambda (default exactly that). */
  visibilityTimeoutSeconds?: number;
}

export interface EnsuredTopology {
  topics: Record<string, { name: string; arn: string }>;
  queues: Record<string, EnsuredQueue & { deadLetter: EnsuredQueue }>;
  subscriptions: EnsuredSubscription[];
}

// A dead letter waits for a human: keep it as long as SQS allows (14 days).
const DEAD_LETTER_RETENTION_SECONDS = "1209600";

export async function ensureSnsSqsTopology(
  { sns, sqs }: SnsSqsClients,
  options: SnsSqsTopologyOptions,
): Promise<EnsuredTopology> {
  const topology: BusTopology = options.topology ?? slipwayTopology;
  const { maxReceiveCount, visibilityTimeoutSeconds } = validate(options, topology);
  const names = snsSqsNames(options.namespace);

  const topics: EnsuredTopology["topics"] = {};
  for (const service of Object.keys(topology.publishers)) {
    const name = names.topic(service);
    const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: name }));
    if (!TopicArn) throw new Error(`CreateTopic ${name} returned no ARN`);
    topics[service] = { name, arn: TopicArn };
  }

  const queues: EnsuredTopology["queues"] = {};
  for (const [queue, types] of Object.entries(topology.subscriptions)) {
    const deadLetter = await ensureQueue(sqs, names.deadLetterQueue(queue), {
      MessageRetentionPeriod: DEAD_LETTER_RETENTION_SECONDS,
    });
    const source = await ensureQueue(sqs, names.queue(queue), {
      VisibilityTimeout: String(visibilityTimeoutSeconds),
      RedrivePolicy: JSON.stringify({ deadLetterTargetArn: deadLetter.arn, maxReceiveCount }),
    });
    const senders = [...new Set(types.map((type) => publisherIn(topology, type)))].flatMap(
      (service) => (service && topics[service] ? [topics[service].arn] : []),
    );
    if (senders.length > 0) {
      await sqs.send(
        new SetQueueAttributesCommand({
          QueueUrl: source.url,
          Attributes: { Policy: JSON.stringify(allowTopicsToSend(source.arn, senders)) },
        }),
      );
    }
    queues[queue] = { ...source, deadLetter };
  }

  const subscriptions: EnsuredSubscription[] = [];
  for (const [service, topic] of Object.entries(topics)) {
    const wanted = Object.entries(queues).flatMap(([queue, { arn }]) => {
      const types = (topology.subscriptions[queue] ?? []).filter((type) =>
        topology.publishers[service]?.includes(type),
      );
      return types.length > 0 ? [{ queue, queueArn: arn, types }] : [];
    });
    subscriptions.push(
      ...(await ensureSubscriptions(sns, {
        service,
        topicArn: topic.arn,
        wanted,
        ownsQueue: (queueArn) => queueArn.includes(`:${options.namespace}-`),
      })),
    );
  }
  return { topics, queues, subscriptions };
}

function validate(options: SnsSqsTopologyOptions, topology: BusTopology) {
  const maxReceiveCount = options.maxReceiveCount ?? 5;
  const consumerTimeout = options.consumerTimeoutSeconds ?? 30;
  const visibilityTimeoutSeconds = options.visibilityTimeoutSeconds ?? 6 * consumerTimeout;
  const problems: string[] = [];
  if (!Number.isInteger(maxReceiveCount) || maxReceiveCount < 1 || maxReceiveCount > 1000) {
    problems.push(`maxReceiveCount ${maxReceiveCount} must be an integer from 1 to 1000`);
  }
  if (!Number.isInteger(visibilityTimeoutSeconds) || visibilityTimeoutSeconds > 43_200) {
    problems.push(
      `visibilityTimeoutSeconds ${visibilityTimeoutSeconds} must be an integer ≤ 43200`,
    );
  }
  // A shorter visibility timeout lets a slow but healthy consumer's message be delivered again.
  if (visibilityTimeoutSeconds < 6 * consumerTimeout) {
    problems.push(
      `visibilityTimeoutSeconds ${visibilityTimeoutSeconds} must be ≥ 6 × consumerTimeoutSeconds (${6 * consumerTimeout})`,
    );
  }
  for (const [queue, types] of Object.entries(topology.subscriptions)) {
    for (const type of types) {
      if (!publisherIn(topology, type))
        problems.push(`${queue} subscribes to ${type}, which no service publishes`);
    }
  }
  if (problems.length > 0)
    throw new Error(`invalid SNS/SQS topology:\n  - ${problems.join("\n  - ")}`);
  return { maxReceiveCount, visibilityTimeoutSeconds };
}
