// The public HTTP API. Declared before the functions behind it: its URL is the issuer of every
// access token, which identity and the gateway both read (`Resource.Api.url`).
import { linkable } from "./linkables.js";

export const api = linkable("Api", (name) => new sst.aws.ApiGatewayV2(name));
