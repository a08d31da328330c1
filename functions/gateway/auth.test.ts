// Who may call what, at the gateway: every way a token is refused on a catalog write route,
// scopes, what reaches the catalog, and identity's key set (cache, rotation, outage).

import { eq } from "drizzle-orm";
import { decodeJwt, type JSONWebKeySet } from "jose";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { products } from "../catalog/db/schema.js";
import { uniqueSku } from "../catalog/testing.js";
import { CREDENTIAL_HEADER } from "../platform/auth/internal-credential.js";
import {
  createSigningKey,
  keySetOf,
  mintAccessToken,
  mintPublicKeyHmacToken,
  mintUnsignedToken,
  type SigningKey,
  TEST_TOKEN_CONTEXT,
} from "../platform/auth/testing.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { JWKS_COOLDOWN_MS, startGateway } from "./services.js";
import {
  authorized,
  CUSTOMER_SCOPE,
  gatewayWith,
  json,
  problemDefect,
  productBody,
  testGatewayConfig,
  testSigningKey,
  testToken,
  useGateway,
} from "./testing.js";

const now = () => Math.floor(Date.now() / 1000);
const PRODUCTS = "/v1/products";
const ADMIN = "catalog:write";

// One catalog for the whole file: each database is large.
const gateway = useGateway("pglite");

describe("access tokens at the gateway", () => {
  let key: SigningKey;
  /** Publishes nowhere; signs under the test key's kid, to forge its signatures. */
  let impostor: SigningKey;

  beforeAll(async () => {
    key = await testSigningKey();
    impostor = await createSigningKey(key.kid);
  });

  /** Tries to create a product with `authorization` as the header; checks nothing was made. */
  async function createWith(authorization: string | undefined) {
    const sku = uniqueSku("AUTH");
    const init = json("POST", productBody(sku));
    const response = await gateway.request(
      PRODUCTS,
      authorization === undefined ? init : { ...init, headers: { ...init.headers, authorization } },
    );
    const text = await response.text();
    if (response.status !== 201) {
      const rows = await gateway.catalog.db.select().from(products).where(eq(products.sku, sku));
      expect(rows).toHaveLength(0);
    }
    return { response, text, challenge: response.headers.get("www-authenticate") };
  }

  /** A refusal: problem+json of `status` that repeats nothing of the token or what we expect. */
  function expectRefusal(answer: Awaited<ReturnType<typeof createWith>>, status: number) {
    const { response, text } = answer;
    expect(response.status, text).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(problemDefect(JSON.parse(text), status, PRODUCTS)).toBeUndefined();
    for (const secret of [
      TEST_TOKEN_CONTEXT.issuer,
      TEST_TOKEN_CONTEXT.audience,
      "evil",
      key.kid,
    ]) {
      expect(`${text}${answer.challenge}`).not.toContain(secret);
    }
  }

  it("creates a product with a catalog:write token", async () => {
    const { response } = await createWith(`Bearer ${await testToken(ADMIN)}`);
    expect(response.status).toBe(201);
  });

  it("serves the catalog to anyone, and ignores a token there", async () => {
    expect((await gateway.request(PRODUCTS)).status).toBe(200);
    const garbage = { headers: { authorization: "Bearer not-a-token" } };
    expect((await gateway.request(PRODUCTS, garbage)).status).toBe(200);
    const missing = `${PRODUCTS}/0190b6a0-0000-7000-8000-000000000000`;
    expect((await gateway.request(missing)).status).toBe(404);
  });

  it("answers no token with 401 and a challenge without an error code", async () => {
    const answer = await createWith(undefined);
    expectRefusal(answer, 401);
    expect(answer.challenge).toBe('Bearer realm="slipway"');
    expect(JSON.parse(answer.text)).toMatchObject({
      type: "urn:slipway:problem:unauthenticated",
    });
  });

  it.each(["Basic dXNlcjpwYXNz", "Bearer", "Bearer two tokens"])(
    "answers the malformed header %j with 400 invalid_request",
    async (header) => {
      const answer = await createWith(header);
      expectRefusal(answer, 400);
      expect(answer.challenge).toContain('error="invalid_request"');
      expect(answer.text).not.toContain("dXNlcjpwYXNz");
    },
  );

  const invalid: Array<[string, () => Promise<string> | string]> = [
    ["a bad signature", () => mintAccessToken(impostor, { claims: { scope: ADMIN } })],
    ["alg: none", () => mintUnsignedToken(key.kid, { claims: { scope: ADMIN } })],
    [
      "HS256 signed with the public key",
      () => mintPublicKeyHmacToken(key, { claims: { scope: ADMIN } }),
    ],
    [
      "an expired token",
      () => testToken(ADMIN, { claims: { iat: now() - 600, nbf: now() - 600, exp: now() - 60 } }),
    ],
    ["a token not valid yet (nbf)", () => testToken(ADMIN, { claims: { nbf: now() + 120 } })],
    ["an iat in the future", () => testToken(ADMIN, { claims: { iat: now() + 120 } })],
    ["another issuer", () => testToken(ADMIN, { claims: { iss: "https://evil.test" } })],
    ["another audience", () => testToken(ADMIN, { claims: { aud: "evil-api" } })],
    ["an unknown kid", () => testToken(ADMIN, { header: { kid: "evil-key" } })],
    ["typ JWT", () => testToken(ADMIN, { header: { typ: "JWT" } })],
  ];

  it.each(invalid)("answers %s with 401 invalid_token", async (_name, mint) => {
    const token = await mint();
    const answer = await createWith(`Bearer ${token}`);
    expectRefusal(answer, 401);
    expect(answer.challenge).toMatch(/^Bearer realm="slipway", error="invalid_token"/);
    for (const part of token.split(".").filter((segment) => segment.length >= 8)) {
      expect(answer.text).not.toContain(part);
    }
  });

  it.each([
    ["a token without the scope", "profile"],
    ["a customer's token", CUSTOMER_SCOPE],
    ["a token with no scope at all", ""],
  ])("answers %s with 403 insufficient_scope", async (_name, scope) => {
    const answer = await createWith(`Bearer ${await testToken(scope)}`);
    expectRefusal(answer, 403);
    expect(JSON.parse(answer.text)).toMatchObject({ type: "urn:slipway:problem:forbidden" });
    expect(answer.challenge).toContain('error="insufficient_scope"');
    expect(answer.challenge).toContain('scope="catalog:write"');
  });

  it.each([
    ["PATCH", `${PRODUCTS}/0190b6a0-0000-7000-8000-000000000000`, { name: "x" }],
    ["POST", `${PRODUCTS}/0190b6a0-0000-7000-8000-000000000000/stock`, { delta: 1 }],
    // Checked before the id and the body, so an outsider learns nothing of the rules.
    ["PATCH", `${PRODUCTS}/not-an-id`, []],
  ])("guards %s %s the same way", async (method, path, body) => {
    const anonymous = await gateway.request(path, json(method, body));
    expect(anonymous.status).toBe(401);
    const customer = await gateway.request(
      path,
      authorized(json(method, body), await testToken(CUSTOMER_SCOPE)),
    );
    expect(customer.status).toBe(403);
  });

  it("checks the token before the body: no token and a bad body is 401", async () => {
    const response = await gateway.request(PRODUCTS, {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{",
    });
    expect(response.status).toBe(401);
  });

  it("passes the verified caller on to the catalog, and itself for public reads", async () => {
    const credentials: string[] = [];
    const catalog = inProcessFetch(gateway.catalog.app);
    const recording = gatewayWith(async (input, init) => {
      const request = new Request(input, init);
      credentials.push(request.headers.get(CREDENTIAL_HEADER) ?? "");
      return catalog(request);
    });
    const token = await testToken(`${ADMIN} profile`, { claims: { sub: "admin-7" } });
    const created = await recording.request(
      PRODUCTS,
      authorized(json("POST", productBody(uniqueSku("CALLER"))), token),
    );
    expect(created.status).toBe(201);
    expect((await recording.request(PRODUCTS)).status).toBe(200);

    const [write, read] = credentials.map((credential) => decodeJwt(credential));
    expect(write).toMatchObject({ sub: "admin-7", aud: "catalog", azp: "gateway" });
    expect(String(write?.scope).split(" ").sort()).toEqual([ADMIN, "profile"].sort());
    expect(read).toMatchObject({ sub: "service:gateway", scope: "" });
  });
});

describe("identity's key set, as the gateway fetches it", () => {
  let published: JSONWebKeySet = { keys: [] };
  let fetches = 0;
  let failing = false;

  /** Identity as far as its key set goes. */
  const identity: typeof fetch = async (input) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    if (url.pathname !== "/.well-known/jwks.json") return new Response(null, { status: 404 });
    fetches += 1;
    if (failing) return new Response("oops", { status: 500 });
    return Response.json(published);
  };

  /** A gateway as deployed: no keys given, so it fetches identity's (in process here). */
  const deployed = () =>
    startGateway(testGatewayConfig, {
      upstreams: { catalog: inProcessFetch(gateway.catalog.app), identity },
    });

  async function create(app: ReturnType<typeof startGateway>, key: SigningKey) {
    const token = await mintAccessToken(key, { claims: { scope: ADMIN } });
    const response = await app.request(
      PRODUCTS,
      authorized(json("POST", productBody(uniqueSku("KEYS"))), token),
    );
    return response.status;
  }

  afterEach(() => {
    vi.useRealTimers();
    failing = false;
  });

  it("caches the keys, and fetches them again once for a rotated-in kid", async () => {
    // Only Date is faked: the cooldown between fetches passes without waiting for it.
    vi.useFakeTimers({ toFake: ["Date"] });
    const [first, second, third] = await Promise.all([
      createSigningKey(),
      createSigningKey(),
      createSigningKey(),
    ]);
    if (!first || !second || !third) throw new Error("no keys");
    published = keySetOf(first);
    fetches = 0;
    const app = deployed();

    expect(await create(app, first)).toBe(201);
    expect(await create(app, first)).toBe(201);
    expect(fetches).toBe(1);

    // Rotated in at identity; right after a fetch, an unknown kid waits for the cooldown.
    published = keySetOf(first, second, third);
    expect(await create(app, second)).toBe(401);
    expect(fetches).toBe(1);

    vi.setSystemTime(Date.now() + JWKS_COOLDOWN_MS + 1);
    const statuses = await Promise.all([1, 2, 3, 4, 5].map(() => create(app, second)));
    expect(statuses).toEqual([201, 201, 201, 201, 201]);
    expect(fetches).toBe(2);
    // Every key of that fetch is known now; no restart, no more fetches.
    expect(await create(app, third)).toBe(201);
    expect(fetches).toBe(2);

    // A kid identity never published costs at most one fetch per cooldown.
    const stranger = await createSigningKey();
    expect(await create(app, stranger)).toBe(401);
    expect(await create(app, stranger)).toBe(401);
    expect(fetches).toBe(2);
  });

  it("answers 503 without internals when the key set cannot be fetched", async () => {
    const key = await createSigningKey();
    published = keySetOf(key);
    failing = true;
    const app = deployed();
    const token = await mintAccessToken(key, { claims: { scope: ADMIN } });
    const response = await app.request(
      PRODUCTS,
      authorized(json("POST", productBody(uniqueSku("NOKEYS"))), token),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get("www-authenticate")).toBeNull();
    const text = await response.text();
    expect(problemDefect(JSON.parse(text), 503, PRODUCTS)).toBeUndefined();
    expect(text).not.toMatch(/identity\.test|jwks|oops/);

    // Back up: the same token works, no restart needed.
    failing = false;
    expect(await create(app, key)).toBe(201);
  });

  it("answers 503 when identity cannot be reached at all", async () => {
    const app = startGateway(testGatewayConfig, {
      fetch: () => Promise.reject(new TypeError("fetch failed")),
      upstreams: { catalog: inProcessFetch(gateway.catalog.app) },
    });
    const response = await app.request(
      PRODUCTS,
      authorized(json("POST", productBody(uniqueSku("NOKEYS"))), await testToken(ADMIN)),
    );
    expect(response.status).toBe(503);
  });
});
