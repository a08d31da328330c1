// AWS Lambda entry of the public API gateway (API Gateway v2 HTTP API, $default route).
import { loadConfig } from "../platform/config.js";
import { lambdaHandler } from "../platform/lambda.js";
import { GatewayConfig } from "./config.js";
import { startGateway } from "./services.js";

export const handler = lambdaHandler(startGateway(loadConfig(GatewayConfig)));
