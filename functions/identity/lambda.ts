// AWS Lambda entry of the identity service's Connect API and JWKS.
import { lambdaHandler } from "../platform/lambda.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME, startIdentity } from "./app.js";
import { IdentityConfig } from "./config.js";
import { identityLinks } from "./links.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
await startTracing({ service: SERVICE_NAME });

const identity = await startIdentity(loadLinkedConfig(IdentityConfig, identityLinks));

export const handler = lambdaHandler(identity.app);
