// The public HTTP API: API Gateway (HTTP API) sends every request to the gateway Lambda (Hono),
// which calls the services over Connect.
import { api } from "./api.js";
import { catalogApi } from "./catalog.js";
import { identityApi } from "./identity.js";
import { ordersApi } from "./orders.js";
import { paymentsApi } from "./payments.js";
import { internalTokenSecret } from "./secrets.js";

// Outside the VPC: it touches no private resource and reaches the services' URLs without NAT.
const gateway = new sst.aws.Function("Gateway", {
  handler: "functions/gateway/lambda.handler",
  runtime: "nodejs20.x",
  architecture: "arm64",
  memory: "256 MB",
  timeout: "10 seconds",
  link: [internalTokenSecret],
  environment: {
    SERVICE_NAME: "gateway",
    CATALOG_URL: catalogApi.url,
    IDENTITY_URL: identityApi.url,
    ORDERS_URL: ordersApi.url,
    PAYMENTS_URL: paymentsApi.url,
    TOKEN_ISSUER: api.url,
    INTERNAL_TOKEN_SECRET: internalTokenSecret.value,
  },
});

// Routing stays in Hono; API Gateway only forwards.
api.route("$default", gateway.arn);
