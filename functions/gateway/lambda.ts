// AWS Lambda entry of the public API gateway (API Gateway v2 HTTP API, $default route).
import { loadConfig } from "../platform/config.js";
import { lambdaHandler } from "../platform/lambda.js";
import { startTracing } from "../platform/telemetry/tracing.js";
import { SERVICE_NAME } from "./app.js";
import { GatewayConfig } from "./config.js";
import { startGateway } from "./services.js";

// First: OTLP/HTTP when OTEL_EXPORTER_OTLP_ENDPOINT is set, else no tracing.
startTracing({ service: SERVICE_NAME });

export const handler = lambdaHandler(startGateway(loadConfig(GatewayConfig)));
