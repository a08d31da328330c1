// AWS Lambda entry of identity's scheduled job (one maintenance pass per invocation): deletes
// expired authorization codes and refresh tokens, and rotates the token signing key when due.
import { flushedAfterEachInvocation } from "../platform/invocation.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startIdentity } from "./app.js";
import { IdentityConfig } from "./config.js";
import { identityLinks } from "./links.js";

await startTracing({ service: SERVICE_NAME });

const identity = await startIdentity(loadLinkedConfig(IdentityConfig, identityLinks));

export const maintain = flushedAfterEachInvocation(async () => {
  const pruned = await identity.prune();
  const rotated = await identity.rotateKeyIfDue();
  return { ...pruned, rotatedKey: rotated?.kid };
});
