import { randomUUID } from "node:crypto";
import {
  Code,
  ConnectError,
  createClient,
  createRouterTransport,
  type Interceptor,
} from "@connectrpc/connect";
import { SignJWT } from "jose";
import { afterEach, describe, expect, it, vi } from "vitest";
import { CatalogService } from "../../gen/catalog/v1/catalog_pb.js";
import {
  type Caller,
  CREDENTIAL_HEADER,
  callerOf,
  callerValues,
  createCredentialCheck,
  createCredentialInterceptor,
  methodPolicy,
} from "./internal-credential.js";

const SECRET = "internal-secret-for-this-test-0123456789";
const PRODUCT = { id: "p-1", sku: "S", name: "N", description: "", stock: 1, revision: 1 };

/** A catalog that answers with the caller it saw in the product's description. */
function catalog(clientInterceptors: Interceptor[], serverSecret = SECRET) {
  const policy = methodPolicy(CatalogService, {
    createProduct: ["catalog:write"],
    getProduct: [],
    listProducts: [],
    updateProduct: ["catalog:write"],
    adjustStock: ["catalog:write"],
  });
  const whoCalled = (context: Parameters<typeof callerOf>[0]) => {
    const caller = callerOf(context);
    return { product: { ...PRODUCT, description: `${caller.subject}|${[...caller.scopes]}` } };
  };
  const transport = createRouterTransport(
    (router) =>
      router.service(CatalogService, {
        getProduct: (_req, context) => whoCalled(context),
        createProduct: (_req, context) => whoCalled(context),
      }),
    {
      router: {
        interceptors: [createCredentialCheck({ secret: serverSecret, service: "catalog", policy })],
      },
      transport: { interceptors: clientInterceptors },
    },
  );
  return createClient(CatalogService, transport);
}

const signedBy = (to = "catalog", secret = SECRET) =>
  createCredentialInterceptor({ secret, from: "gateway", to });

/** Sends `credential` as is, for forgeries the real interceptor would never make. */
const sending =
  (credential: string): Interceptor =>
  (next) =>
  (req) => {
    req.header.set(CREDENTIAL_HEADER, credential);
    return next(req);
  };

async function codeOf(call: Promise<unknown>): Promise<Code | "ok"> {
  try {
    await call;
    return "ok";
  } catch (error) {
    return ConnectError.from(error).code;
  }
}

function forged(claims: Record<string, unknown>, header: Record<string, unknown> = {}) {
  const now = Math.floor(Date.now() / 1000);
  return new SignJWT({
    iss: "slipway-internal",
    aud: "catalog",
    sub: "user-1",
    iat: now,
    nbf: now,
    exp: now + 60,
    jti: randomUUID(),
    scope: "catalog:write",
    ...claims,
  })
    .setProtectedHeader({ alg: "HS256", typ: "slipway-internal+jwt", ...header })
    .sign(new TextEncoder().encode(SECRET));
}

describe("internal credentials", () => {
  it("hand the end user and their scopes to the callee", async () => {
    const user: Caller = { subject: "user-7", scopes: new Set(["catalog:write", "profile"]) };
    const { product } = await catalog([signedBy()]).createProduct(
      {},
      { contextValues: callerValues(user) },
    );
    expect(product?.description).toBe("user-7|catalog:write,profile");
  });

  it("name the calling service when no user is named", async () => {
    const { product } = await catalog([signedBy()]).getProduct({ id: "p-1" });
    expect(product?.description).toBe("service:gateway|");
  });

  it("refuse a call without a credential", async () => {
    expect(await codeOf(catalog([]).getProduct({ id: "p-1" }))).toBe(Code.Unauthenticated);
  });

  it("refuse a credential minted for another callee", async () => {
    expect(await codeOf(catalog([signedBy("orders")]).getProduct({ id: "p-1" }))).toBe(
      Code.Unauthenticated,
    );
  });

  it("refuse a credential signed with another secret", async () => {
    const other = signedBy("catalog", "another-secret-of-at-least-32-characters");
    expect(await codeOf(catalog([other]).getProduct({ id: "p-1" }))).toBe(Code.Unauthenticated);
  });

  it("refuse a caller without the method's scope", async () => {
    const customer: Caller = { subject: "user-7", scopes: new Set(["orders:write"]) };
    const call = catalog([signedBy()]).createProduct({}, { contextValues: callerValues(customer) });
    expect(await codeOf(call)).toBe(Code.PermissionDenied);
  });

  const now = () => Math.floor(Date.now() / 1000);
  const forgeries: [string, () => Promise<string> | string][] = [
    ["expired", () => forged({ iat: now() - 120, nbf: now() - 120, exp: now() - 60 })],
    ["issued in the future", () => forged({ iat: now() + 120, nbf: now(), exp: now() + 150 })],
    ["living longer than a minute", () => forged({ exp: now() + 3600 })],
    ["not yet valid", () => forged({ nbf: now() + 120 })],
    ["from another issuer", () => forged({ iss: "someone-else" })],
    ["without a subject", () => forged({ sub: undefined })],
    ["of another type", () => forged({}, { typ: "at+jwt" })],
    [
      "unsigned (alg none)",
      async () =>
        `${(await forged({}))
          .split(".")
          .slice(0, 2)
          .join(".")
          .replace(/^[^.]+/, unsignedHeader())}.`,
    ],
    ["garbage", () => "not-a-jwt"],
  ];

  it.each(forgeries)("refuse a credential %s", async (_name, make) => {
    const call = catalog([sending(await make())]).getProduct({ id: "p-1" });
    expect(await codeOf(call)).toBe(Code.Unauthenticated);
  });

  it("refuse a method its service's policy does not name", async () => {
    const transport = createRouterTransport(
      (router) => router.service(CatalogService, { getProduct: () => ({ product: PRODUCT }) }),
      {
        router: {
          interceptors: [
            createCredentialCheck({ secret: SECRET, service: "catalog", policy: new Map() }),
          ],
        },
        transport: { interceptors: [signedBy()] },
      },
    );
    const call = createClient(CatalogService, transport).getProduct({ id: "p-1" });
    expect(await codeOf(call)).toBe(Code.PermissionDenied);
  });
});

describe("credentials reused while fresh", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  /** Records the credential each call carries, after the real interceptor set it. */
  function recording() {
    const sent: string[] = [];
    const recorder: Interceptor = (next) => (req) => {
      sent.push(req.header.get(CREDENTIAL_HEADER) ?? "");
      return next(req);
    };
    return { sent, recorder };
  }

  it("are signed once per caller and reused for half their lifetime, then signed anew", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const { sent, recorder } = recording();
    const client = catalog([signedBy(), recorder]);
    const alice = callerValues({ subject: "user-a", scopes: new Set(["catalog:write"]) });
    const bob = callerValues({ subject: "user-b", scopes: new Set(["catalog:write"]) });

    await client.getProduct({ id: "p-1" }, { contextValues: alice });
    await client.getProduct({ id: "p-1" }, { contextValues: alice });
    await client.getProduct({ id: "p-1" }, { contextValues: bob });
    vi.setSystemTime(Date.now() + 31_000);
    const { product } = await client.getProduct({ id: "p-1" }, { contextValues: alice });

    expect(sent[1]).toBe(sent[0]);
    expect(sent[2]).not.toBe(sent[0]);
    expect(sent[3]).not.toBe(sent[0]);
    expect(product?.description).toBe("user-a|catalog:write");
  });

  it("are refused once expired, even after the callee verified them before", async () => {
    vi.useFakeTimers({ toFake: ["Date"] });
    const credential = await forged({});
    const client = catalog([sending(credential)]);
    expect(await codeOf(client.getProduct({ id: "p-1" }))).toBe("ok");

    vi.setSystemTime(Date.now() + 66_000);

    expect(await codeOf(client.getProduct({ id: "p-1" }))).toBe(Code.Unauthenticated);
  });

  it("are refused for scopes they do not carry, even when verified before", async () => {
    const credential = await forged({ scope: "" });
    const client = catalog([sending(credential)]);
    expect(await codeOf(client.getProduct({ id: "p-1" }))).toBe("ok");
    expect(await codeOf(client.createProduct({ sku: "S-1" }))).toBe(Code.PermissionDenied);
  });
});

function unsignedHeader(): string {
  return Buffer.from(JSON.stringify({ alg: "none", typ: "slipway-internal+jwt" })).toString(
    "base64url",
  );
}
