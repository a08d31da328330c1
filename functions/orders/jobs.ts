// AWS Lambda entries of the orders service's scheduled jobs (one maintenance pass per invocation):
// `sweep` publishes what the outbox still holds; `prune` deletes rows past their retention.
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { orders } from "./deployed.js";

export const sweep = flushedAfterEachInvocation(async () => ({
  published: await orders.outbox.dispatchDue(),
}));

export const prune = flushedAfterEachInvocation(() => orders.prune());
