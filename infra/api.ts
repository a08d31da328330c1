// The public HTTP API. Declared before the functions behind it: its URL is the issuer of every
// access token, which identity and the gateway both need.
export const api = new sst.aws.ApiGatewayV2("Api");
