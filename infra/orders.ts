// The orders service's Connect API: one Lambda in the VPC (Postgres through the RDS proxy as
// its own role) on a function URL with IAM auth that the gateway calls; it prices orders by
// calling catalog's URL, signed. Its event consumer is in consumers.ts.
import { ordersLinks } from "../functions/orders/links.js";
import { catalogApi } from "./catalog.js";
import { topics } from "./events.js";
import { serviceApi } from "./service-function.js";

export const ordersApi = serviceApi("orders", {
  memory: "512 MB",
  timeout: "10 seconds",
  links: ordersLinks,
  publishesTo: topics.orders,
  calls: [catalogApi],
});
