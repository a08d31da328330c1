// AWS Lambda entry of the catalog service's Connect API.
import { lambdaHandler } from "../platform/lambda.js";
import { catalog } from "./deployed.js";

export const handler = lambdaHandler(catalog.app);
