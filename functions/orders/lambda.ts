// AWS Lambda entry of the orders service's Connect API.
import { lambdaHandler } from "../platform/lambda.js";
import { orders } from "./deployed.js";

export const handler = lambdaHandler(orders.app);
