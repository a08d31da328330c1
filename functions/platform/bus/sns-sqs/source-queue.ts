/**
 * A consuming queue as its consumer needs it: URL, dead-letter queue and `maxReceiveCount`,
 * read from the queue's own RedrivePolicy so they cannot disagree with SQS.
 *
 * @example
 * const source = await resolveSourceQueue(sqs, { name: "slipway-dev-catalog" });
 * const same = await resolveSourceQueue(sqs, { arn: record.eventSourceARN });
 */
import { GetQueueAttributesCommand, GetQueueUrlCommand, type SQSClient } from "@aws-sdk/client-sqs";
import { accountOfArn, nameOfArn } from "./names.js";

export interface SourceQueue {
  url: string;
  deadLetterUrl: string;
  maxReceiveCount: number;
}

export async function resolveSourceQueue(
  sqs: SQSClient,
  queue: { name: string } | { arn: string },
): Promise<SourceQueue> {
  const url = await queueUrl(sqs, queue);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["RedrivePolicy"] }),
  );
  const policy = Attributes?.RedrivePolicy
    ? (JSON.parse(Attributes.RedrivePolicy) as {
        deadLetterTargetArn?: string;
        maxReceiveCount?: number | string;
      })
    : undefined;
  if (!policy?.deadLetterTargetArn || !policy.maxReceiveCount) {
    throw new Error(`queue ${url} has no RedrivePolicy (create it with ensureSnsSqsTopology)`);
  }
  return {
    url,
    deadLetterUrl: await queueUrl(sqs, { arn: policy.deadLetterTargetArn }),
    maxReceiveCount: Number(policy.maxReceiveCount),
  };
}

export async function queueUrl(
  sqs: SQSClient,
  queue: { name: string } | { arn: string },
): Promise<string> {
  const input =
    "arn" in queue
      ? { QueueName: nameOfArn(queue.arn), QueueOwnerAWSAccountId: accountOfArn(queue.arn) }
      : { QueueName: queue.name };
  const { QueueUrl } = await sqs.send(new GetQueueUrlCommand(input));
  if (!QueueUrl) throw new Error(`no URL for queue ${input.QueueName}`);
  return QueueUrl;
}
