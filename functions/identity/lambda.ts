// AWS Lambda entry of the identity service's Connect API and JWKS.
import { loadConfig } from "../platform/config.js";
import { lambdaHandler } from "../platform/lambda.js";
import { startIdentity } from "./app.js";
import { IdentityConfig } from "./config.js";

const identity = await startIdentity(loadConfig(IdentityConfig));

export const handler = lambdaHandler(identity.app);
