/**
 * What the SNS and SQS clients are built with, from options or the environment: `AWS_REGION`
 * (or `AWS_DEFAULT_REGION`), `AWS_ENDPOINT_URL` for LocalStack or fauxqs. Apart from the clients
 * (clients.ts) so that the environment can be checked at start without loading the AWS SDK.
 *
 * @example
 * snsSqsClientConfig({}, { AWS_ENDPOINT_URL: "http://127.0.0.1:4566" });
 * // { region: "us-east-1", endpoint: "http://127.0.0.1:4566" }
 */
import type { SQSClientConfig } from "@aws-sdk/client-sqs";
import * as v from "valibot";
import { httpUrl, loadConfig } from "../../config.js";

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

/** Throws a ConfigError naming the variable when the environment's is unusable. */
export function snsSqsClientConfig(
  options: SnsSqsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
) {
  const aws = loadConfig(AwsEnvironment, env);
  const endpoint = options.endpoint ?? aws.AWS_ENDPOINT_URL;
  const region =
    options.region ?? aws.AWS_REGION ?? aws.AWS_DEFAULT_REGION ?? (endpoint && EMULATOR_REGION);
  return {
    ...(region ? { region } : {}),
    ...(endpoint ? { endpoint } : {}),
    ...(options.credentials ? { credentials: options.credentials } : {}),
    ...(options.maxAttempts ? { maxAttempts: options.maxAttempts } : {}),
  };
}
