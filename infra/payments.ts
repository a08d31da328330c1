// The payments service's Connect API: one Lambda in the VPC (Postgres through the RDS proxy as
// its own role) on a function URL with IAM auth. Payments are made by its event consumer
// (consumers.ts).
import { paymentsLinks } from "../functions/payments/links.js";
import { topics } from "./events.js";
import { serviceApi } from "./service-function.js";

export const paymentsApi = serviceApi("payments", {
  memory: "512 MB",
  timeout: "10 seconds",
  links: paymentsLinks,
  publishesTo: topics.payments,
});
