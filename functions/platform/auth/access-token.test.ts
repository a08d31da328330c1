import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  createLocalJWKSet,
  createRemoteJWKSet,
  type JSONWebKeySet,
  jwtVerify,
  UnsecuredJWT,
} from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createAccessTokenVerifier, MAX_ACCESS_TOKEN_LIFETIME_SECONDS } from "./access-token.js";
import {
  createSigningKey,
  keySetOf,
  mintAccessToken,
  mintPublicKeyHmacToken,
  mintUnsignedToken,
  type SigningKey,
  TEST_TOKEN_CONTEXT,
} from "./testing.js";
import { TokenError, type TokenErrorReason } from "./token-error.js";

const now = () => Math.floor(Date.now() / 1000);

async function rejection(promise: Promise<unknown>): Promise<TokenError> {
  const error = await promise.then(
    () => expect.fail("the token was accepted"),
    (error: unknown) => error,
  );
  expect(error).toBeInstanceOf(TokenError);
  return error as TokenError;
}

/** Nothing of the token — not even one of its parts — in anything a log could print. */
function expectNoTrace(error: TokenError, token: string) {
  const printed = [error.message, error.stack, String(error), JSON.stringify(error)].join("\n");
  for (const part of [token, ...token.split(".").filter((segment) => segment.length >= 8)]) {
    expect(printed).not.toContain(part);
  }
  expect(error.cause).toBeUndefined();
}

describe("createAccessTokenVerifier", () => {
  let key: SigningKey;
  let other: SigningKey;
  let verify: (token: string) => ReturnType<ReturnType<typeof createAccessTokenVerifier>["verify"]>;

  beforeAll(async () => {
    key = await createSigningKey("key-1");
    // Another key pair published under nobody's name, used to forge signatures for `key-1`.
    other = await createSigningKey("key-1");
    const verifier = createAccessTokenVerifier({
      ...TEST_TOKEN_CONTEXT,
      jwks: createLocalJWKSet(keySetOf(key)),
    });
    verify = (token) => verifier.verify(token);
  });

  it("returns the subject, scopes, token id and expiry of a valid token", async () => {
    const exp = now() + 600;
    const token = await mintAccessToken(key, {
      claims: { sub: "customer-7", jti: "t-1", exp, scope: "profile  orders:read" },
    });
    expect(await verify(token)).toEqual({
      subject: "customer-7",
      scopes: new Set(["profile", "orders:read"]),
      tokenId: "t-1",
      expiresAt: new Date(exp * 1000),
    });
  });

  it("accepts an empty scope as no scopes", async () => {
    const { scopes } = await verify(await mintAccessToken(key, { claims: { scope: "" } }));
    expect(scopes.size).toBe(0);
  });

  it("accepts the media-type form of typ, and a lifetime of exactly 15 minutes", async () => {
    const token = await mintAccessToken(key, {
      header: { typ: "application/at+jwt" },
      claims: { iat: now(), exp: now() + MAX_ACCESS_TOKEN_LIFETIME_SECONDS },
    });
    await expect(verify(token)).resolves.toMatchObject({ subject: "customer-1" });
  });

  it("tolerates a few seconds of clock skew", async () => {
    const token = await mintAccessToken(key, {
      claims: { iat: now() - 60, exp: now() - 2, nbf: now() + 2 },
    });
    await expect(verify(token)).resolves.toMatchObject({ subject: "customer-1" });
  });

  const cases: Array<[string, () => Promise<string> | string, TokenErrorReason]> = [
    ["not a JWT", () => "not-a-jwt", "malformed"],
    ["three parts of garbage", () => "a.b.c", "malformed"],
    [
      "a signature by another key under the same kid",
      () => mintAccessToken(other),
      "invalid signature",
    ],
    ["alg: none", () => mintUnsignedToken(key.kid), "unsupported algorithm"],
    ["HS256 keyed with the public key", () => mintPublicKeyHmacToken(key), "unsupported algorithm"],
    ["an expired token", () => mintAccessToken(key, { claims: { exp: now() - 60 } }), "expired"],
    [
      "a token not valid yet",
      () => mintAccessToken(key, { claims: { nbf: now() + 60 } }),
      "not yet valid",
    ],
    [
      "another issuer",
      () => mintAccessToken(key, { claims: { iss: "https://evil.test" } }),
      "wrong issuer",
    ],
    [
      "another audience",
      () => mintAccessToken(key, { claims: { aud: "orders" } }),
      "wrong audience",
    ],
    ["an unknown kid", () => mintAccessToken(key, { header: { kid: "key-9" } }), "unknown key"],
    ["no kid", () => mintAccessToken(key, { header: { kid: undefined } }), "unknown key"],
    [
      "no scope claim",
      () => mintAccessToken(key, { claims: { scope: undefined } }),
      "missing claim",
    ],
    ["no sub", () => mintAccessToken(key, { claims: { sub: undefined } }), "missing claim"],
    ["no jti", () => mintAccessToken(key, { claims: { jti: undefined } }), "missing claim"],
    ["no iat", () => mintAccessToken(key, { claims: { iat: undefined } }), "missing claim"],
    ["no exp", () => mintAccessToken(key, { claims: { exp: undefined } }), "missing claim"],
    [
      "a scope that is not a string",
      () => mintAccessToken(key, { claims: { scope: ["profile"] } }),
      "invalid claim",
    ],
    ["an empty sub", () => mintAccessToken(key, { claims: { sub: "" } }), "invalid claim"],
    ["typ: JWT", () => mintAccessToken(key, { header: { typ: "JWT" } }), "wrong type"],
    ["no typ", () => mintAccessToken(key, { header: { typ: undefined } }), "wrong type"],
    [
      "an iat in the future",
      () => mintAccessToken(key, { claims: { iat: now() + 60 } }),
      "issued in the future",
    ],
    [
      "an iat older than the longest lifetime, with a later exp",
      () =>
        mintAccessToken(key, {
          claims: { iat: now() - MAX_ACCESS_TOKEN_LIFETIME_SECONDS - 60, exp: now() + 60 },
        }),
      "expired",
    ],
    [
      "a lifetime longer than 15 minutes",
      () =>
        mintAccessToken(key, {
          claims: { exp: now() + MAX_ACCESS_TOKEN_LIFETIME_SECONDS + 1 },
        }),
      "invalid lifetime",
    ],
    [
      "an exp before its iat",
      // Both within the clock tolerance, so only their order is wrong.
      () => mintAccessToken(key, { claims: { iat: now() + 3, exp: now() + 2 } }),
      "invalid lifetime",
    ],
  ];

  it.each(cases)(
    "refuses %s as invalid_token without repeating it",
    async (_name, mint, reason) => {
      const token = await mint();
      const error = await rejection(verify(token));
      expect(error).toMatchObject({ code: "invalid_token", reason });
      expectNoTrace(error, token);
    },
  );
});

describe("key rotation", () => {
  it("verifies tokens of every published key, and none of a key once withdrawn", async () => {
    const previous = await createSigningKey("2026-01");
    const current = await createSigningKey("2026-02");
    const during = createAccessTokenVerifier({
      ...TEST_TOKEN_CONTEXT,
      jwks: createLocalJWKSet(keySetOf(previous, current)),
    });
    const after = createAccessTokenVerifier({
      ...TEST_TOKEN_CONTEXT,
      jwks: createLocalJWKSet(keySetOf(current)),
    });
    const oldToken = await mintAccessToken(previous, { claims: { sub: "old" } });
    const newToken = await mintAccessToken(current, { claims: { sub: "new" } });

    expect((await during.verify(oldToken)).subject).toBe("old");
    expect((await during.verify(newToken)).subject).toBe("new");
    expect((await after.verify(newToken)).subject).toBe("new");
    expect(await rejection(after.verify(oldToken))).toMatchObject({ reason: "unknown key" });
  });
});

describe("the forged tokens", () => {
  // Proves the refusals above are earned: a verifier trusting the token's `alg` would accept these.
  it("are what a naive verifier accepts", async () => {
    const key = await createSigningKey();
    const hmac = mintPublicKeyHmacToken(key, { claims: { sub: "forged" } });
    const secret = new TextEncoder().encode(JSON.stringify(key.publicJwk));
    expect((await jwtVerify(hmac, secret)).payload.sub).toBe("forged");
    const unsigned = mintUnsignedToken(key.kid, { claims: { sub: "forged" } });
    expect(UnsecuredJWT.decode(unsigned).payload.sub).toBe("forged");
  });
});

describe("with a remote key set", () => {
  let server: Server;
  let published: JSONWebKeySet = { keys: [] };
  let fetches = 0;
  let failing = false;
  let url: URL;

  beforeAll(async () => {
    server = createServer((_request, response) => {
      fetches += 1;
      if (failing) {
        response.writeHead(500).end();
        return;
      }
      response.writeHead(200, { "content-type": "application/json" });
      response.end(JSON.stringify(published));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    url = new URL(
      `http://127.0.0.1:${(server.address() as AddressInfo).port}/.well-known/jwks.json`,
    );
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  const verifierFor = (cooldownDuration: number) =>
    createAccessTokenVerifier({
      ...TEST_TOKEN_CONTEXT,
      jwks: createRemoteJWKSet(url, { cooldownDuration }),
    });

  it("caches the keys, and refetches them for a kid it has not seen", async () => {
    const first = await createSigningKey();
    const second = await createSigningKey();
    published = keySetOf(first);
    fetches = 0;
    const verifier = verifierFor(0);

    await verifier.verify(await mintAccessToken(first));
    await verifier.verify(await mintAccessToken(first));
    expect(fetches).toBe(1);

    published = keySetOf(first, second);
    expect((await verifier.verify(await mintAccessToken(second))).subject).toBe("customer-1");
    expect(fetches).toBe(2);

    const stranger = await mintAccessToken(await createSigningKey());
    expect(await rejection(verifier.verify(stranger))).toMatchObject({ reason: "unknown key" });
    expect(fetches).toBe(3);
  });

  it("does not fetch for a token whose algorithm is refused", async () => {
    const key = await createSigningKey();
    published = keySetOf(key);
    fetches = 0;
    const verifier = verifierFor(0);
    await rejection(verifier.verify(mintPublicKeyHmacToken(key)));
    await rejection(verifier.verify(mintUnsignedToken(key.kid)));
    expect(fetches).toBe(0);
  });

  it("blames itself, not the token, when the key set cannot be loaded", async () => {
    failing = true;
    try {
      const token = await mintAccessToken(await createSigningKey());
      const error = await rejection(verifierFor(0).verify(token));
      expect(error).toMatchObject({ code: "temporarily_unavailable", reason: "keys unavailable" });
      expect(error.cause).toBeDefined();
      expect(`${error.message}${error.stack}`).not.toContain(token.split(".")[1]);
    } finally {
      failing = false;
    }
  });
});
