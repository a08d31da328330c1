// AWS Lambda entry of the payments service's Connect API.
import { lambdaHandler } from "../platform/lambda.js";
import { payments } from "./deployed.js";

export const handler = lambdaHandler(payments.app);
