// AWS Lambda entries of the catalog's scheduled jobs (one maintenance pass per invocation):
// `sweep` publishes what the outbox still holds and expires overdue reservations; `prune`
// deletes rows past their retention.
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { catalog } from "./deployed.js";

export const sweep = flushedAfterEachInvocation(async () => ({
  published: await catalog.outbox.dispatchDue(),
  expiredReservations: await catalog.expireReservations(),
}));

export const prune = flushedAfterEachInvocation(() => catalog.prune());
