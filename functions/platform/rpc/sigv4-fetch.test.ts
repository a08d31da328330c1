import { createHash, createHmac } from "node:crypto";
import { Code, ConnectError } from "@connectrpc/connect";
import { SignatureV4 } from "@smithy/signature-v4";
import { Hono } from "hono";
import { describe, expect, it } from "vitest";
import { CatalogService } from "../../gen/catalog/v1/catalog_pb.js";
import { inProcessFetch } from "../testing/in-process-fetch.js";
import { createServiceClient } from "./client.js";
import { mountConnect } from "./serve.js";
import { createSigV4Fetch, credentialsFromEnvironment, rpcFetch } from "./sigv4-fetch.js";

const credentials = {
  accessKeyId: "AKIDEXAMPLE",
  secretAccessKey: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
  sessionToken: "session-token-example",
};
const region = "eu-west-1";
const baseUrl = "https://abc123.lambda-url.eu-west-1.on.aws";

const bytes = (data: string | ArrayBuffer | ArrayBufferView) =>
  typeof data === "string"
    ? data
    : ArrayBuffer.isView(data)
      ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength)
      : new Uint8Array(data);

/** node:crypto in the shape the AWS SDK's signer takes (a hash, or an HMAC keyed by `secret`). */
class Sha256 {
  readonly #hash;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.#hash = secret === undefined ? createHash("sha256") : createHmac("sha256", bytes(secret));
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.#hash.update(bytes(data));
  }
  async digest() {
    return new Uint8Array(this.#hash.digest());
  }
}

/**
 * What Lambda does in front of an IAM function URL, with the AWS SDK's own signer instead of
 * aws4fetch: recompute the signature over the headers the request says it signed, and refuse
 * the request (403) when it differs.
 */
async function verifySignature(request: Request): Promise<boolean> {
  const authorization = request.headers.get("authorization") ?? "";
  const match =
    /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=([^,]+), Signature=([0-9a-f]{64})$/.exec(
      authorization,
    );
  if (!match) return false;
  const [, accessKeyId, , signedRegion, service, signedHeaders, signature] = match;
  if (accessKeyId !== credentials.accessKeyId || signedRegion !== region || service !== "lambda") {
    return false;
  }
  const url = new URL(request.url);
  const headers: Record<string, string> = {};
  for (const name of (signedHeaders ?? "").split(";")) {
    headers[name] = name === "host" ? url.host : (request.headers.get(name) ?? "");
  }
  const amzDate = request.headers.get("x-amz-date") ?? "";
  const signingDate = new Date(
    `${amzDate.slice(0, 4)}-${amzDate.slice(4, 6)}-${amzDate.slice(6, 8)}T${amzDate.slice(9, 11)}:${amzDate.slice(11, 13)}:${amzDate.slice(13, 15)}Z`,
  );
  const signer = new SignatureV4({
    credentials,
    region,
    service: "lambda",
    sha256: Sha256,
    // Lambda reads the payload hash from the signature, not from an x-amz-content-sha256 header.
    applyChecksum: false,
  });
  const expected = await signer.sign(
    {
      method: request.method,
      protocol: url.protocol,
      hostname: url.hostname,
      path: url.pathname,
      query: {},
      headers,
      body: new Uint8Array(await request.arrayBuffer()),
    },
    { signingDate },
  );
  return String(expected.headers.authorization).endsWith(`Signature=${signature}`);
}

/** A Connect service behind a stand-in of IAM auth; records the headers that reached it. */
function protectedService() {
  const seen: Headers[] = [];
  const app = new Hono();
  app.use(async (c, next) => {
    if (!(await verifySignature(c.req.raw.clone()))) {
      return c.json({ Message: "Forbidden" }, 403);
    }
    seen.push(c.req.raw.headers);
    await next();
  });
  mountConnect(app, (router) =>
    router.service(CatalogService, {
      getProduct: (request) => ({ product: { id: request.id, name: "Desk lamp" } }),
    }),
  );
  return { app, seen };
}

describe("SigV4 fetch for IAM function URLs", () => {
  it("signs Connect calls so AWS's own signer accepts them, and keeps the caller's headers", async () => {
    const { app, seen } = protectedService();
    const catalog = createServiceClient(CatalogService, {
      baseUrl,
      timeoutMs: 2_000,
      fetch: createSigV4Fetch({
        region,
        credentials: () => credentials,
        fetch: inProcessFetch(app),
      }),
    });

    const { product } = await catalog.getProduct(
      { id: "0193a4f0-0000-7000-8000-000000000001" },
      { headers: { "x-slipway-credential": "a-credential" } },
    );

    expect(product?.name).toBe("Desk lamp");
    expect(seen[0]?.get("x-amz-security-token")).toBe(credentials.sessionToken);
    expect(seen[0]?.get("x-slipway-credential")).toBe("a-credential");
    expect(seen[0]?.get("connect-timeout-ms")).not.toBeNull();
  });

  it("is refused when the body changes after signing", async () => {
    const { app } = protectedService();
    const tamper: typeof fetch = async (input, init) => {
      const request = new Request(input, init);
      const body = new Uint8Array(await request.arrayBuffer());
      body[body.length - 1] = (body.at(-1) ?? 0) ^ 1;
      return app.fetch(new Request(request, { body }));
    };
    const catalog = createServiceClient(CatalogService, {
      baseUrl,
      timeoutMs: 2_000,
      fetch: createSigV4Fetch({ region, credentials: () => credentials, fetch: tamper }),
    });

    const failure = await catalog.getProduct({ id: "x" }).catch((error: unknown) => error);

    expect(ConnectError.from(failure).code).toBe(Code.PermissionDenied);
  });

  it("is refused when signed with other credentials", async () => {
    const { app } = protectedService();
    const catalog = createServiceClient(CatalogService, {
      baseUrl,
      timeoutMs: 2_000,
      fetch: createSigV4Fetch({
        region,
        credentials: () => ({ ...credentials, secretAccessKey: "not-the-key" }),
        fetch: inProcessFetch(app),
      }),
    });

    const failure = await catalog.getProduct({ id: "x" }).catch((error: unknown) => error);

    expect(ConnectError.from(failure).code).toBe(Code.PermissionDenied);
  });
});

describe("rpcFetch", () => {
  const lambdaEnvironment = {
    AWS_REGION: region,
    AWS_ACCESS_KEY_ID: credentials.accessKeyId,
    AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
    AWS_SESSION_TOKEN: credentials.sessionToken,
  };

  it("signs nothing unless asked", () => {
    expect(rpcFetch({ RPC_SIGNING: "none" }, lambdaEnvironment)).toBeUndefined();
  });

  it("reads Lambda's credentials and region when asked to sign", () => {
    expect(rpcFetch({ RPC_SIGNING: "sigv4" }, lambdaEnvironment)).toBeTypeOf("function");
    expect(credentialsFromEnvironment(lambdaEnvironment)).toEqual(credentials);
  });

  it("refuses to start without credentials or a region", () => {
    expect(() => rpcFetch({ RPC_SIGNING: "sigv4" }, { AWS_REGION: region })).toThrow(
      /AWS_ACCESS_KEY_ID/,
    );
    expect(() =>
      rpcFetch({ RPC_SIGNING: "sigv4" }, { ...lambdaEnvironment, AWS_REGION: undefined }),
    ).toThrow(/AWS_REGION/);
  });
});

describe("a caller's own Authorization header", () => {
  it("travels as X-Forwarded-Authorization, since the signature takes Authorization", async () => {
    let received: Request | undefined;
    const sign = createSigV4Fetch({
      region,
      credentials: () => credentials,
      fetch: async (input, init) => {
        received = new Request(input, init);
        return new Response("ok");
      },
    });

    await sign(`${baseUrl}/oauth/token`, {
      method: "POST",
      headers: { authorization: "Basic c2xpcHdheTpzZWNyZXQ=", "content-type": "text/plain" },
      body: "grant_type=client_credentials",
    });

    expect(received?.headers.get("authorization")).toMatch(/^AWS4-HMAC-SHA256 /);
    expect(received?.headers.get("x-forwarded-authorization")).toBe("Basic c2xpcHdheTpzZWNyZXQ=");
    expect(await verifySignature(received as Request)).toBe(true);
  });
});
