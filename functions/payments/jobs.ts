// AWS Lambda entries of the payments service's scheduled jobs (one maintenance pass per invocation):
// `sweep` publishes what the outbox still holds; `prune` deletes rows past their retention.
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { payments } from "./deployed.js";

export const sweep = flushedAfterEachInvocation(async () => ({
  published: await payments.outbox.dispatchDue(),
}));

export const prune = flushedAfterEachInvocation(() => payments.prune());
