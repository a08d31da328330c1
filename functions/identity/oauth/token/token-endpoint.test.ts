import { createLocalJWKSet, decodeProtectedHeader, type JWTVerifyGetKey, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createAccessTokenVerifier } from "../../../platform/auth/access-token.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { TEST_ISSUER, useIdentity } from "../../testing.js";
import {
  authorizeQuery,
  basicAuth,
  FORM_HEADERS,
  form,
  pkcePair,
  signInWithCode,
  type TestClient,
  type TestUser,
  testClient,
  testUser,
  tokenRequest,
} from "../testing.js";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(databaseKinds)("token endpoint on %s", (kind) => {
  const identity = useIdentity(kind);
  let user: TestUser;
  let jwks: JWTVerifyGetKey;
  beforeAll(async () => {
    user = await testUser(identity);
    jwks = createLocalJWKSet(await (await identity.app.request("/.well-known/jwks.json")).json());
  });

  const refresh = (client: TestClient, refreshToken: unknown, extra = {}) =>
    tokenRequest(identity.app, {
      grant_type: "refresh_token",
      refresh_token: String(refreshToken),
      client_id: client.clientId,
      client_secret: client.secret,
      ...extra,
    });

  it("runs the code flow from the page to a refresh; replaying the old refresh token revokes its family", async () => {
    const client = await testClient(identity.db, { public: true });
    const { verifier, challenge } = pkcePair();
    const query = new URLSearchParams(
      form(authorizeQuery({ client, challenge, state: "s-123", scope: "profile orders:read" })),
    );
    const page = await identity.app.request(`/oauth2/authorize?${query}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    // The form carries the request on: post back exactly its hidden fields, as a browser would.
    const hidden = Object.fromEntries(
      [...html.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)">/g)].map((m) => [
        m[1] ?? "",
        (m[2] ?? "").replace(/&#(\d+);/g, (_, n) => String.fromCharCode(Number(n))),
      ]),
    );
    expect(hidden).toMatchObject({ client_id: client.clientId, state: "s-123" });
    const login = await identity.app.request("/oauth2/authorize", {
      method: "POST",
      headers: FORM_HEADERS,
      body: form({ ...hidden, email: user.email.toUpperCase(), password: user.password }),
    });
    expect(login.status).toBe(303);
    const location = new URL(login.headers.get("location") ?? "");
    expect(`${location.origin}${location.pathname}`).toBe(client.redirectUri);
    expect(location.searchParams.get("state")).toBe("s-123");
    expect(location.searchParams.get("iss")).toBe(TEST_ISSUER);
    const code = location.searchParams.get("code") ?? "";
    expect(code).toMatch(/^[A-Za-z0-9_-]{43}$/);

    const first = await tokenRequest(identity.app, {
      grant_type: "authorization_code",
      code,
      redirect_uri: client.redirectUri,
      code_verifier: verifier,
      client_id: client.clientId,
    });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({
      token_type: "Bearer",
      expires_in: 900,
      scope: "profile orders:read",
    });
    expect(first.body.refresh_token).toEqual(expect.stringMatching(/^[A-Za-z0-9_-]{43}$/));

    const second = await refresh(client, first.body.refresh_token);
    expect(second.status).toBe(200);
    expect(second.body.scope).toBe("profile orders:read");
    expect(second.body.refresh_token).not.toBe(first.body.refresh_token);
    expect(second.body.access_token).not.toBe(first.body.access_token);

    const replay = await refresh(client, first.body.refresh_token);
    expect(replay.status).toBe(400);
    expect(replay.body.error).toBe("invalid_grant");
    const newest = await refresh(client, second.body.refresh_token);
    expect(newest.body.error).toBe("invalid_grant");
  });

  it("signs an RFC 9068 access token that verifies against the JWKS", async () => {
    const client = await testClient(identity.db, { public: true });
    const { body } = await signInWithCode(identity.app, client, user, "orders:write profile");
    const token = String(body.access_token);
    expect(decodeProtectedHeader(token)).toEqual({
      alg: "ES256",
      kid: expect.any(String),
      typ: "at+jwt",
    });
    const { payload, protectedHeader } = await jwtVerify(token, jwks, {
      issuer: TEST_ISSUER,
      audience: "slipway-api",
      typ: "at+jwt",
    });
    const jwk = (await (await identity.app.request("/.well-known/jwks.json")).json()) as {
      keys: { kid: string }[];
    };
    expect(jwk.keys.map((key) => key.kid)).toContain(protectedHeader.kid);
    expect(payload).toEqual({
      iss: TEST_ISSUER,
      aud: "slipway-api",
      sub: user.id,
      client_id: client.clientId,
      scope: "profile orders:write",
      iat: expect.any(Number),
      nbf: payload.iat,
      exp: (payload.iat ?? 0) + 900,
      jti: expect.stringMatching(UUID),
    });
    expect(Math.abs((payload.iat ?? 0) - Date.now() / 1000)).toBeLessThan(10);

    // The verifier every service uses accepts it as it is.
    const verifier = createAccessTokenVerifier({
      issuer: TEST_ISSUER,
      audience: "slipway-api",
      jwks,
    });
    const verified = await verifier.verify(token);
    expect(verified.subject).toBe(user.id);
    expect([...verified.scopes]).toEqual(["profile", "orders:write"]);
  });

  it("never lets a token answer be cached, success or error", async () => {
    const client = await testClient(identity.db);
    const good = await tokenRequest(
      identity.app,
      { grant_type: "client_credentials" },
      basicAuth(client.clientId, client.secret ?? ""),
    );
    const bad = await tokenRequest(identity.app, { grant_type: "password", client_id: "nobody" });
    for (const answer of [good, bad]) {
      expect(answer.headers.get("cache-control")).toBe("no-store");
      expect(answer.headers.get("pragma")).toBe("no-cache");
      expect(answer.headers.get("content-type")).toMatch(/^application\/json/);
    }
    expect(good.status).toBe(200);
  });

  it("answers unsupported_grant_type, and unauthorized_client for a grant the client lacks", async () => {
    const client = await testClient(identity.db, { public: true });
    for (const grantType of [
      "password",
      "urn:ietf:params:oauth:grant-type:device_code",
      "toString",
    ]) {
      const answer = await tokenRequest(identity.app, {
        grant_type: grantType,
        client_id: client.clientId,
      });
      expect(answer.status).toBe(400);
      expect(answer.body).toEqual({
        error: "unsupported_grant_type",
        error_description: expect.any(String),
      });
    }
    const missing = await tokenRequest(identity.app, { client_id: client.clientId });
    expect(missing.body.error).toBe("invalid_request");
    const machine = await testClient(identity.db, {
      grantTypes: ["client_credentials"],
      scopes: ["catalog:write"],
    });
    const lacking = await tokenRequest(
      identity.app,
      { grant_type: "refresh_token", refresh_token: "x" },
      basicAuth(machine.clientId, machine.secret ?? ""),
    );
    expect(lacking.body.error).toBe("unauthorized_client");
  });

  describe("input it refuses with 400, never 500", () => {
    const post = async (
      body: BodyInit | undefined,
      headers: Record<string, string> = FORM_HEADERS,
    ) => {
      const response = await identity.app.request("/oauth2/token", {
        method: "POST",
        headers,
        body,
      });
      const text = await response.text();
      return {
        status: response.status,
        headers: response.headers,
        body: JSON.parse(text) as Record<string, unknown>,
      };
    };
    let client: TestClient;
    beforeAll(async () => {
      client = await testClient(identity.db, { public: true });
    });

    it.each([
      [
        "JSON",
        JSON.stringify({ grant_type: "client_credentials" }),
        { "content-type": "application/json" },
      ],
      ["no content type", "grant_type=client_credentials", {}],
      ["multipart", "--x\r\n\r\n--x--", { "content-type": "multipart/form-data; boundary=x" }],
      [
        "another charset",
        "grant_type=x",
        { "content-type": "application/x-www-form-urlencoded; charset=latin1" },
      ],
      ["a compressed body", "grant_type=x", { ...FORM_HEADERS, "content-encoding": "gzip" }],
      ["an empty body", "", FORM_HEADERS],
      ["bad percent-encoding", "grant_type=%zz&client_id=a", FORM_HEADERS],
      ["percent-encoded non-UTF-8", "grant_type=%ff%fe&client_id=a", FORM_HEADERS],
      ["a NUL", "grant_type=a%00b&client_id=a", FORM_HEADERS],
      ["a huge value", `grant_type=${"a".repeat(5000)}&client_id=a`, FORM_HEADERS],
      ["a body over the limit", `x=${"a".repeat(40_000)}`, FORM_HEADERS],
      [
        "too many parameters",
        Array.from({ length: 40 }, (_, i) => `p${i}=1`).join("&"),
        FORM_HEADERS,
      ],
      [
        "a repeated client_id",
        "grant_type=client_credentials&client_id=a&client_id=b",
        FORM_HEADERS,
      ],
    ])("%s", async (_name, body, headers) => {
      const answer = await post(body, headers);
      expect(answer.status).toBe(400);
      expect(["invalid_request", "invalid_client"]).toContain(answer.body.error);
      expect(answer.headers.get("cache-control")).toBe("no-store");
    });

    it("raw non-UTF-8 bytes", async () => {
      const answer = await post(new Uint8Array([0x67, 0x3d, 0xff, 0xfe, 0x26, 0x61]));
      expect(answer.status).toBe(400);
      expect(answer.body.error).toBe("invalid_request");
    });

    it("a repeated parameter of a known client", async () => {
      const answer = await post(
        form({ client_id: client.clientId }) +
          "&grant_type=authorization_code&grant_type=refresh_token",
      );
      expect(answer.body).toEqual({
        error: "invalid_request",
        error_description: "the grant_type parameter must be sent at most once",
      });
    });

    it.each([
      ["another scheme", "Bearer abc"],
      ["Basic without a colon", `Basic ${Buffer.from("nocolon").toString("base64")}`],
      ["Basic that is not base64", "Basic ***"],
      ["Basic with non-UTF-8", `Basic ${Buffer.from([0xff, 0x3a, 0x61]).toString("base64")}`],
      ["Basic with a bad escape", `Basic ${Buffer.from("a%zz:b").toString("base64")}`],
      ["Basic with an empty id", `Basic ${Buffer.from(":secret").toString("base64")}`],
    ])("%s", async (_name, authorization) => {
      const answer = await post("grant_type=client_credentials", {
        ...FORM_HEADERS,
        authorization,
      });
      expect([400, 401]).toContain(answer.status);
      expect(["invalid_request", "invalid_client"]).toContain(answer.body.error);
    });

    it("two client authentication methods at once", async () => {
      const answer = await post("grant_type=client_credentials&client_secret=x", {
        ...FORM_HEADERS,
        ...basicAuth("a", "b"),
      });
      expect(answer.body.error).toBe("invalid_request");
    });

    it("a huge unknown client id in Basic", async () => {
      const answer = await post("grant_type=client_credentials", {
        ...FORM_HEADERS,
        ...basicAuth("c".repeat(3000), "s"),
      });
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe("invalid_client");
    });
  });
});
