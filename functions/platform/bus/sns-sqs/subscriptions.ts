/**
 * Brings one topic's SQS subscriptions in line with the topology: raw delivery, a filter
 * policy on the `type` message attribute listing exactly the subscribed types, and no
 * subscription left for a namespace queue that no longer wants the topic's events.
 *
 * @example
 * await ensureSubscriptions(sns, { service: "catalog", topicArn, wanted: [{ queue: "catalog", queueArn, types }], ownsQueue });
 */
import {
  ListSubscriptionsByTopicCommand,
  SetSubscriptionAttributesCommand,
  type SNSClient,
  SubscribeCommand,
  type Subscription,
  UnsubscribeCommand,
} from "@aws-sdk/client-sns";

export interface EnsuredSubscription {
  service: string;
  queue: string;
  arn: string;
  types: string[];
}

interface TopicSubscriptions {
  service: string;
  topicArn: string;
  wanted: { queue: string; queueArn: string; types: readonly string[] }[];
  /** Whether a subscribed queue belongs to this namespace (and may be unsubscribed). */
  ownsQueue(queueArn: string): boolean;
}

export async function ensureSubscriptions(
  sns: SNSClient,
  { service, topicArn, wanted, ownsQueue }: TopicSubscriptions,
): Promise<EnsuredSubscription[]> {
  const existing = (await listSubscriptions(sns, topicArn)).filter((s) => s.Protocol === "sqs");
  const ensured: EnsuredSubscription[] = [];
  for (const { queue, queueArn, types } of wanted) {
    const attributes = {
      RawMessageDelivery: "true",
      FilterPolicy: JSON.stringify({ type: [...types].sort() }),
    };
    const current = existing.find((s) => s.Endpoint === queueArn)?.SubscriptionArn;
    let arn = current;
    if (current) {
      // Subscribe refuses an existing subscription with other attributes; update them instead.
      for (const [AttributeName, AttributeValue] of Object.entries(attributes)) {
        await sns.send(
          new SetSubscriptionAttributesCommand({
            SubscriptionArn: current,
            AttributeName,
            AttributeValue,
          }),
        );
      }
    } else {
      ({ SubscriptionArn: arn } = await sns.send(
        new SubscribeCommand({
          TopicArn: topicArn,
          Protocol: "sqs",
          Endpoint: queueArn,
          Attributes: attributes,
          ReturnSubscriptionArn: true,
        }),
      ));
    }
    if (!arn) throw new Error(`no subscription ARN for ${queue} on ${topicArn}`);
    ensured.push({ service, queue, arn, types: [...types] });
  }
  for (const stale of existing) {
    const endpoint = stale.Endpoint ?? "";
    const isWanted = wanted.some((w) => w.queueArn === endpoint);
    if (!isWanted && ownsQueue(endpoint) && stale.SubscriptionArn) {
      await sns.send(new UnsubscribeCommand({ SubscriptionArn: stale.SubscriptionArn }));
    }
  }
  return ensured;
}

async function listSubscriptions(sns: SNSClient, topicArn: string): Promise<Subscription[]> {
  const all: Subscription[] = [];
  let NextToken: string | undefined;
  do {
    const page = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn: topicArn, NextToken }),
    );
    all.push(...(page.Subscriptions ?? []));
    NextToken = page.NextToken;
  } while (NextToken);
  return all;
}
