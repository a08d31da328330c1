// The public HTTP API: API Gateway (HTTP API) sends every request to the gateway Lambda (Hono),
// which calls the services over Connect.
import { catalogApi } from "./catalog.js";

// Outside the VPC: it touches no private resource and reaches the services' URLs without NAT.
const gateway = new sst.aws.Function("Gateway", {
  handler: "functions/gateway/lambda.handler",
  runtime: "nodejs20.x",
  architecture: "arm64",
  memory: "256 MB",
  timeout: "10 seconds",
  environment: {
    SERVICE_NAME: "gateway",
    CATALOG_URL: catalogApi.url,
  },
});

export const api = new sst.aws.ApiGatewayV2("Api");

// Routing stays in Hono; API Gateway only forwards.
api.route("$default", gateway.arn);
