import { describe, expect, it } from "vitest";
import {
  basicAuth,
  signInWithCode,
  testClient,
  testUser,
  tokenRequest,
} from "../../identity/oauth/testing.js";
import { uniqueEmail } from "../../identity/testing.js";
import type { keySetOf } from "../../platform/auth/testing.js";
import { inProcessFetch } from "../../platform/testing/in-process-fetch.js";
import { startGateway } from "../services.js";
import {
  authorized,
  CUSTOMER_SCOPE,
  json,
  problemDefect,
  testGatewayConfig,
  testToken,
  useGateway,
} from "../testing.js";

const ISO_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
const PASSWORD = "correct horse battery staple";

interface UserJson {
  id: string;
  email: string;
  displayName: string;
  createdAt: string;
}

describe("REST /v1/users and /v1/me", () => {
  const gateway = useGateway("pglite", { catalog: false, identity: true });

  async function register(body: Record<string, unknown>) {
    const response = await gateway.request("/v1/users", json("POST", body));
    return { response, text: await response.text() };
  }

  async function registered(email = uniqueEmail("rest")): Promise<UserJson> {
    const { response, text } = await register({ email, password: PASSWORD, displayName: "Ada" });
    expect(response.status, text).toBe(201);
    return JSON.parse(text) as UserJson;
  }

  /** A refusal that is a well-formed problem and repeats no password. */
  function expectRefused(
    { response, text }: Awaited<ReturnType<typeof register>>,
    status: number,
    password: string,
  ) {
    expect(response.status, text).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(problemDefect(JSON.parse(text), status, "/v1/users")).toBeUndefined();
    expect(text).not.toContain(password);
    return JSON.parse(text) as { errors?: { pointer?: string }[] };
  }

  it("registers a user: 201, Location /v1/me, no password in the answer", async () => {
    const email = uniqueEmail("Ada.Lovelace");
    const { response, text } = await register({
      email,
      password: PASSWORD,
      displayName: "  Ada Lovelace ",
    });
    expect(response.status, text).toBe(201);
    expect(response.headers.get("location")).toBe("/v1/me");
    expect(JSON.parse(text)).toEqual({
      id: expect.stringMatching(UUID),
      email,
      displayName: "Ada Lovelace",
      createdAt: expect.stringMatching(ISO_TIMESTAMP),
    });
    expect(text).not.toContain(PASSWORD);
    expect(text).not.toMatch(/scrypt|hash/i);
  });

  it("answers 409 for an email already registered, whatever its case", async () => {
    const email = uniqueEmail("twice");
    await registered(email);
    const again = await register({
      email: email.toUpperCase(),
      password: PASSWORD,
      displayName: "Ada",
    });
    expect(expectRefused(again, 409, PASSWORD)).toMatchObject({
      type: "urn:slipway:problem:conflict",
    });
  });

  it("lists every broken rule of identity's, in this API's field names, without the password", async () => {
    const password = "aaaaaaa";
    const problem = expectRefused(
      await register({ email: "not an email", password, displayName: "   " }),
      400,
      password,
    );
    // The password breaks two rules: too short, and one character repeated.
    expect([...new Set(problem.errors?.map((error) => error.pointer))].sort()).toEqual(
      ["#/displayName", "#/email", "#/password"].sort(),
    );
  });

  it("refuses a password holding the email's name, without repeating it", async () => {
    const email = uniqueEmail("grace");
    const password = `${email.split("@")[0]}-Secret-42`;
    const problem = expectRefused(
      await register({ email, password, displayName: "Grace" }),
      400,
      password,
    );
    expect(problem.errors?.map((error) => error.pointer)).toEqual(["#/password"]);
  });

  it.each([
    ["missing fields", { password: PASSWORD }, ["#/email", "#/displayName"]],
    [
      "wrong types",
      { email: 1, password: PASSWORD, displayName: null },
      ["#/email", "#/displayName"],
    ],
    [
      "an unknown field",
      { email: uniqueEmail(), password: PASSWORD, displayName: "Ada", admin: true },
      ["#/admin"],
    ],
    [
      "a password that is not a string",
      { email: uniqueEmail(), password: 42, displayName: "Ada" },
      ["#/password"],
    ],
  ])("refuses %s at the gateway, without the password", async (_name, body, pointers) => {
    const problem = expectRefused(await register(body), 400, PASSWORD);
    expect(problem.errors?.map((error) => error.pointer).sort()).toEqual([...pointers].sort());
  });

  it("answers 405 with Allow for other methods", async () => {
    const users = await gateway.request("/v1/users");
    expect(users.status).toBe(405);
    expect(users.headers.get("allow")).toBe("POST");
    const me = await gateway.request("/v1/me", { method: "DELETE" });
    expect(me.status).toBe(405);
    expect(me.headers.get("allow")).toBe("GET");
  });

  describe("GET /v1/me", () => {
    it("answers the token's user, not to be cached", async () => {
      const user = await registered();
      const token = await testToken(CUSTOMER_SCOPE, { claims: { sub: user.id } });
      const response = await gateway.request("/v1/me", authorized({}, token));
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("no-store");
      expect(await response.json()).toEqual(user);
    });

    it("needs a token with profile", async () => {
      const user = await registered();
      const anonymous = await gateway.request("/v1/me");
      expect(anonymous.status).toBe(401);
      expect(anonymous.headers.get("www-authenticate")).toBe('Bearer realm="slipway"');

      const token = await testToken("orders:read", { claims: { sub: user.id } });
      const response = await gateway.request("/v1/me", authorized({}, token));
      expect(response.status).toBe(403);
      expect(response.headers.get("www-authenticate")).toContain('scope="profile"');
    });

    it.each([
      ["a machine client's", "service-client-1"],
      ["an unknown user's", "0190b6a0-0000-7000-8000-000000000000"],
    ])("answers 404 for %s token", async (_name, sub) => {
      const token = await testToken("profile", { claims: { sub } });
      const response = await gateway.request("/v1/me", authorized({}, token));
      const text = await response.text();
      expect(response.status, text).toBe(404);
      expect(problemDefect(JSON.parse(text), 404, "/v1/me")).toBeUndefined();
      expect(text).not.toContain(sub);
    });
  });

  describe("with identity's own tokens", () => {
    /** A gateway as deployed: it trusts identity's key set, fetched from identity. */
    const deployed = () =>
      startGateway(testGatewayConfig, {
        upstreams: { identity: inProcessFetch(gateway.identity.app) },
      });

    it("signs in through the gateway (code flow with PKCE) and reads /v1/me", async () => {
      const app = deployed();
      const client = await testClient(gateway.identity.db, { public: true });
      const user = await testUser(gateway.identity);
      const tokens = await signInWithCode(app, client, user, "profile");
      expect(tokens.status).toBe(200);
      const token = String(tokens.body.access_token);
      const me = await app.request("/v1/me", authorized({}, token));
      expect(me.status).toBe(200);
      expect(await me.json()).toMatchObject({ id: user.id, email: user.email });
    });

    it("answers 404 on /v1/me for a machine client's token", async () => {
      const app = deployed();
      const client = await testClient(gateway.identity.db, { scopes: ["profile"] });
      const answer = await tokenRequest(
        app,
        { grant_type: "client_credentials", scope: "profile" },
        basicAuth(client.clientId, client.secret ?? ""),
      );
      expect(answer.status).toBe(200);
      const me = await app.request("/v1/me", authorized({}, String(answer.body.access_token)));
      expect(me.status).toBe(404);
    });
  });

  it("relays identity's key set", async () => {
    const response = await gateway.request("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    const { keys } = (await response.json()) as ReturnType<typeof keySetOf>;
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect(key).toMatchObject({ kty: "EC", crv: "P-256", alg: "ES256", kid: expect.any(String) });
      expect(key).not.toHaveProperty("d");
    }
  });
});

describe("REST /v1/users while identity is down", () => {
  const gateway = useGateway("pglite", { catalog: false });

  it("answers 503 without internals", async () => {
    const response = await gateway.request(
      "/v1/users",
      json("POST", { email: uniqueEmail(), password: PASSWORD, displayName: "Ada" }),
    );
    const text = await response.text();
    expect(response.status).toBe(503);
    expect(problemDefect(JSON.parse(text), 503, "/v1/users")).toBeUndefined();
    expect(text).not.toMatch(/identity\.test|fetch|Error/);
    expect(text).not.toContain(PASSWORD);
  });
});
