// What a service's event consumer and scheduled jobs reach besides their own settings, the same
// as its API: the resources its links.ts reads, its topic when it publishes (the outbox), and
// the IAM-auth URLs it calls.
import { catalogLinks } from "../functions/catalog/links.js";
import { identityLinks } from "../functions/identity/links.js";
import type { ServiceWithDatabase } from "../functions/migrator/services.js";
import { ordersLinks } from "../functions/orders/links.js";
import { paymentsLinks } from "../functions/payments/links.js";
import { catalogApi } from "./catalog.js";
import { topics } from "./events.js";
import type { ServiceFunctionOptions } from "./service-function.js";

export const serviceWiring: Record<
  ServiceWithDatabase,
  Pick<ServiceFunctionOptions, "links" | "publishesTo" | "calls">
> = {
  catalog: { links: catalogLinks, publishesTo: topics.catalog },
  identity: { links: identityLinks },
  // Its entries build the whole service, catalog client included (PlaceOrder prices there).
  orders: { links: ordersLinks, publishesTo: topics.orders, calls: [catalogApi] },
  payments: { links: paymentsLinks, publishesTo: topics.payments },
};
