// AWS Lambda entry of the public API gateway (API Gateway v2 HTTP API, $default route).
import { lambdaHandler } from "../platform/lambda.js";
import { loadLinkedConfig } from "../platform/linked-config.js";
import { rpcFetchFromEnvironment } from "../platform/rpc/sigv4-fetch.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME } from "./app.js";
import { GatewayConfig } from "./config.js";
import { gatewayLinks } from "./links.js";
import { startGateway } from "./services.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
await startTracing({ service: SERVICE_NAME });

// Deployed, the services' function URLs take IAM auth: every call is signed (RPC_SIGNING=sigv4).
export const handler = lambdaHandler(
  startGateway(loadLinkedConfig(GatewayConfig, gatewayLinks), { fetch: rpcFetchFromEnvironment() }),
);
