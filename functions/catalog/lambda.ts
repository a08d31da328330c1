// AWS Lambda entry of the catalog service's Connect API.
import { loadConfig } from "../platform/config.js";
import { lambdaHandler } from "../platform/lambda.js";
import { startCatalog } from "./app.js";
import { CatalogConfig } from "./config.js";

const catalog = await startCatalog(loadConfig(CatalogConfig));

export const handler = lambdaHandler(catalog.app);
