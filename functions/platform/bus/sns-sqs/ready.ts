/**
 * The SNS/SQS bus's probe: one `ListTopics` page (the call the publisher finds its topics
 * with, so it needs no other permission), through clients of its own, one attempt each.
 *
 * @example
 * const probe = createSnsSqsProbe();
 * await probe.probe(AbortSignal.timeout(1_000));
 */
import { ListTopicsCommand } from "@aws-sdk/client-sns";
import type { BusProbe } from "../probe.js";
import { createSnsSqsClients, type SnsSqsClientOptions } from "./clients.js";

export function createSnsSqsProbe(
  options: SnsSqsClientOptions = {},
  env: Record<string, string | undefined> = process.env,
): BusProbe {
  const { sns, sqs } = createSnsSqsClients({ maxAttempts: 1, ...options }, env);
  return {
    async probe(signal) {
      try {
        await sns.send(new ListTopicsCommand({}), signal ? { abortSignal: signal } : {});
      } catch (error) {
        throw new Error(`SNS: ${error instanceof Error ? error.message : String(error)}`);
      }
    },
    async close() {
      sns.destroy();
      sqs.destroy();
    },
  };
}
