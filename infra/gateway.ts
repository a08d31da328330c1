// The public HTTP API: API Gateway (HTTP API) sends every request to the gateway Lambda (Hono),
// which calls the services' IAM-auth function URLs over Connect, signing each call.
import { gatewayLinks } from "../functions/gateway/links.js";
import { api } from "./api.js";
import { catalogApi } from "./catalog.js";
import { identityApi } from "./identity.js";
import { ordersApi } from "./orders.js";
import { paymentsApi } from "./payments.js";
import { serviceFunction } from "./service-function.js";

const gateway = new sst.aws.Function(
  "Gateway",
  serviceFunction("gateway", "lambda", {
    memory: "256 MB",
    timeout: "10 seconds",
    links: gatewayLinks,
    calls: [catalogApi, identityApi, ordersApi, paymentsApi],
    // Outside the VPC: it touches no private resource and reaches the URLs without NAT.
    inVpc: false,
  }),
);

// Routing stays in Hono; API Gateway only forwards.
api.route("$default", gateway.arn);
