/**
 * A fetch that signs each request with AWS SigV4, for calling services whose Lambda function
 * URLs use IAM auth: Lambda checks the signature and the caller's `lambda:InvokeFunctionUrl`
 * permission before the function runs. Give it to the Connect client factory as `fetch`.
 *
 * Credentials are read on every call, not once: Lambda puts its role's short-lived credentials
 * in the environment, and a long-lived local shell may have them refreshed under it.
 *
 * SigV4 takes the Authorization header, so a request that already has one (the gateway passing
 * a client's `Basic` credentials on to identity's token endpoint) sends it as
 * X-Forwarded-Authorization; the callee's Lambda adapter puts it back (platform/lambda.ts).
 *
 * @example
 * const catalog = createServiceClient(CatalogService, {
 *   baseUrl: config.CATALOG_URL,
 *   timeoutMs: 2000,
 *   fetch: createSigV4Fetch({ region: "eu-west-1", credentials: credentialsFromEnvironment }),
 * });
 */
import { AwsClient } from "aws4fetch";
import * as v from "valibot";
import { loadConfig } from "../config.js";

export interface AwsCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string | undefined;
}

export interface SigV4FetchOptions {
  region: string;
  credentials: () => AwsCredentials;
  /** The AWS service the URLs belong to; function URLs sign as "lambda". */
  service?: string;
  /** What sends the signed request; Node's fetch by default. */
  fetch?: typeof globalThis.fetch;
}

export const FORWARDED_AUTHORIZATION = "x-forwarded-authorization";

export function createSigV4Fetch(options: SigV4FetchOptions): typeof globalThis.fetch {
  const send = options.fetch ?? globalThis.fetch;
  const service = options.service ?? "lambda";
  // The derived signing key (four HMACs) per secret, day, region and service, kept across calls:
  // a client is made per call only because the credentials may have changed.
  const signingKeys = new Map<string, ArrayBuffer>();
  return async (input, init) => {
    const client = new AwsClient({
      ...options.credentials(),
      region: options.region,
      service,
      cache: signingKeys,
    });
    // Only sign() is used: AwsClient.fetch retries 5xx ten times on its own, while Connect
    // callers decide about retries themselves.
    const request = new Request(input, init);
    const authorization = request.headers.get("authorization");
    if (authorization !== null) {
      request.headers.delete("authorization");
      request.headers.set(FORWARDED_AUTHORIZATION, authorization);
    }
    // The payload is hashed into the signature, so it is read whole (unary calls are bounded).
    const body = request.body === null ? null : await request.arrayBuffer();
    const signed = await client.sign(request.url, {
      method: request.method,
      headers: request.headers,
      body,
      signal: request.signal,
    });
    return send(signed);
  };
}

/** How calls to other services are authenticated at the transport: none, or SigV4 (IAM). */
const rpcSigningConfig = {
  RPC_SIGNING: v.optional(v.picklist(["none", "sigv4"], "must be none or sigv4"), "none"),
};

/** The credentials Lambda (or an AWS shell) puts in the environment. */
export function credentialsFromEnvironment(
  env: Record<string, string | undefined> = process.env,
): AwsCredentials {
  const { AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN } = env;
  if (!AWS_ACCESS_KEY_ID || !AWS_SECRET_ACCESS_KEY) {
    throw new Error("RPC_SIGNING=sigv4 needs AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY");
  }
  return {
    accessKeyId: AWS_ACCESS_KEY_ID,
    secretAccessKey: AWS_SECRET_ACCESS_KEY,
    sessionToken: AWS_SESSION_TOKEN,
  };
}

/**
 * The fetch a service's clients use for RPC_SIGNING: a SigV4 signer in the region Lambda names
 * (AWS_REGION), or undefined for plain calls.
 */
export function rpcFetch(
  config: { RPC_SIGNING: "none" | "sigv4" },
  env: Record<string, string | undefined> = process.env,
): typeof globalThis.fetch | undefined {
  if (config.RPC_SIGNING === "none") return undefined;
  const region = env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!region) throw new Error("RPC_SIGNING=sigv4 needs AWS_REGION");
  // Fail at start-up, not on the first call, when the credentials are missing.
  credentialsFromEnvironment(env);
  return createSigV4Fetch({ region, credentials: () => credentialsFromEnvironment(env) });
}

/** `rpcFetch` for the RPC_SIGNING the environment sets (infra sets sigv4 on every function). */
export function rpcFetchFromEnvironment(
  env: Record<string, string | undefined> = process.env,
): typeof globalThis.fetch | undefined {
  return rpcFetch(loadConfig(v.object(rpcSigningConfig), env), env);
}
