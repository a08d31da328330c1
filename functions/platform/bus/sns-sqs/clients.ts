/**
 * The SNS and SQS clients of the adapter, configured from options or the environment:
 * `AWS_REGION` (or `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL` for LocalStack or fauxqs, and
 * credentials from the SDK's default chain unless given.
 *
 * @example
 * const clients = createSnsSqsClients();   // Lambda, or a shell with AWS_ENDPOINT_URL set
 * const test = createSnsSqsClients({ endpoint: server.address, credentials: { accessKeyId: "test", secretAccessKey: "test" } });
 */
import { SNSClient } from "@aws-sdk/client-sns";
import { SQSClient } from "@aws-sdk/client-sqs";
import { type SnsSqsClientOptions, snsSqsClientConfig } from "./client-config.js";

export type { SnsSqsClientOptions };

export interface SnsSqsClients {
  sns: SNSClient;
  sqs: SQSClient;
}

export function createSnsSqsClients(
  options: SnsSqsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): SnsSqsClients {
  const config = snsSqsClientConfig(options, env);
  return { sns: new SNSClient(config), sqs: new SQSClient(config) };
}
