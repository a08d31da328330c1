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
import { SQSClient, type SQSClientConfig } from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { httpUrl, loadConfig } from "../../config.js";

export interface SnsSqsClients {
  sns: SNSClient;
  sqs: SQSClient;
}

export interface SnsSqsClientOptions {
  region?: string;
  endpoint?: string;
  credentials?: SQSClientConfig["credentials"];
  /** The SDK's attempts per call (default 3). */
  maxAttempts?: number;
}

const AwsEnvironment = v.object({
  AWS_REGION: v.optional(v.string()),
  AWS_DEFAULT_REGION: v.optional(v.string()),
  AWS_ENDPOINT_URL: v.optional(httpUrl),
});

// Emulators (LocalStack, fauxqs) answer any region and default to this one; against AWS the
// region must come from the environment or the SDK's config files.
const EMULATOR_REGION = "us-east-1";

export function createSnsSqsClients(
  options: SnsSqsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): SnsSqsClients {
  const aws = loadConfig(AwsEnvironment, env);
  const endpoint = options.endpoint ?? aws.AWS_ENDPOINT_URL;
  const region =
    options.region ?? aws.AWS_REGION ?? aws.AWS_DEFAULT_REGION ?? (endpoint && EMULATOR_REGION);
  const config = {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
  return { sns: new SNSClient(config), sqs: new SQSClient(config) };
}
