/**
 * One SQS queue made to match: created with its attributes, or updated in place, since
 * CreateQueue refuses an existing queue whose attributes differ. And the policy that lets SNS
 * topics send to a queue.
 *
 * @example
 * const dlq = await ensureQueue(sqs, "slipway-dev-catalog-dlq", { MessageRetentionPeriod: "1209600" });
 */
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  QueueDoesNotExist,
  SetQueueAttributesCommand,
  type SQSClient,
} from "@aws-sdk/client-sqs";

export interface EnsuredQueue {
  name: string;
  url: string;
  arn: string;
}

export async function ensureQueue(
  sqs: SQSClient,
  name: string,
  attributes: Record<string, string>,
): Promise<EnsuredQueue> {
  let url: string | undefined;
  try {
    ({ QueueUrl: url } = await sqs.send(new GetQueueUrlCommand({ QueueName: name })));
    await sqs.send(new SetQueueAttributesCommand({ QueueUrl: url, Attributes: attributes }));
  } catch (error) {
    if (!(error instanceof QueueDoesNotExist)) throw error;
    ({ QueueUrl: url } = await sqs.send(
      new CreateQueueCommand({ QueueName: name, Attributes: attributes }),
    ));
  }
  if (!url) throw new Error(`no URL for queue ${name}`);
  const { Attributes } = await sqs.send(
    new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["QueueArn"] }),
  );
  if (!Attributes?.QueueArn) throw new Error(`no ARN for queue ${name}`);
  return { name, url, arn: Attributes.QueueArn };
}

export function allowTopicsToSend(queueArn: string, topicArns: string[]) {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "topics-send",
        Effect: "Allow",
        Principal: { Service: "sns.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": topicArns } },
      },
    ],
  };
}
