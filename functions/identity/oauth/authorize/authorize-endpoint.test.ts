// The authorization endpoint through the identity app: the sign-in page and its headers, which
// problems are shown on a page and which go back to the client, the form post, and input that
// must be refused rather than crash.
import { eq } from "drizzle-orm";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { authorizationCodes } from "../../db/schema.js";
import { TEST_ISSUER, uniqueEmail, useIdentity } from "../../testing.js";
import { registerClient } from "../clients/clients.js";
import { hashOpaqueToken } from "../opaque-tokens.js";
import {
  type AuthorizeParams,
  authorizeQuery,
  FORM_HEADERS,
  form,
  pkcePair,
  submitLogin,
  type TestClient,
  type TestUser,
  testClient,
  testUser,
} from "../testing.js";

const SECURITY_HEADERS = {
  "content-security-policy":
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

/** `formOrigin`: the sign-in form's page also lets the form's redirect go to the client. */
function expectSecureHtml(response: Response, formOrigin?: string) {
  expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
  for (const [name, value] of Object.entries(SECURITY_HEADERS)) {
    const expected = formOrigin
      ? value.replace("form-action 'self'", `form-action 'self' ${formOrigin}`)
      : value;
    expect(response.headers.get(name)).toBe(expected);
  }
}

describe.each(databaseKinds)("authorization endpoint on %s", (kind) => {
  const identity = useIdentity(kind);
  let user: TestUser;
  let client: TestClient;
  const { challenge } = pkcePair();
  beforeAll(async () => {
    user = await testUser(identity);
    client = await testClient(identity.db, { public: true });
  });

  const authorize = (values: Record<string, string | undefined>) =>
    identity.app.request(`/oauth2/authorize?${form(values)}`);
  const valid = (overrides: Partial<AuthorizeParams> = {}) =>
    authorizeQuery({ client, challenge, ...overrides });

  /** The error parameters of a redirect back to the client. */
  function redirectError(response: Response): Record<string, string> {
    expect(response.status).toBe(302);
    const location = new URL(response.headers.get("location") ?? "");
    return {
      target: `${location.origin}${location.pathname}`,
      ...Object.fromEntries(location.searchParams),
    };
  }

  describe("GET", () => {
    it("shows an accessible sign-in form that carries the request, with strict headers", async () => {
      const response = await authorize(valid({ state: "state-1" }));
      expect(response.status).toBe(200);
      expectSecureHtml(response, "https://app.example.com");
      const html = await response.text();
      expect(html).toMatch(/^<!doctype html>/);
      expect(html).toContain('<html lang="en">');
      expect(html).toContain('<form method="post" action="authorize">');
      expect(html).toContain('<label for="email">Email</label>');
      expect(html).toMatch(/<input id="email" name="email" type="email" autocomplete="username"/);
      expect(html).toContain('<label for="password">Password</label>');
      expect(html).toMatch(/<input id="password" name="password" type="password"/);
      expect(html).toContain('<input type="hidden" name="state" value="state-1">');
      expect(html).toContain(`<input type="hidden" name="code_challenge" value="${challenge}">`);
      expect(html).not.toMatch(/<script|src=|href=/i);
    });

    it("escapes everything it echoes", async () => {
      const nasty = `"><script>alert('x')</script>&`;
      const named = await testClient(identity.db, { public: true });
      await registerClient(identity.db, {
        clientId: named.clientId,
        name: nasty,
        grantTypes: ["authorization_code"],
        scopes: ["profile"],
        redirectUris: [named.redirectUri],
      });
      const response = await authorize(authorizeQuery({ client: named, challenge, state: nasty }));
      const html = await response.text();
      expect(response.status).toBe(200);
      expect(html).not.toContain("<script>");
      expect(html).not.toContain(`"><`);
      expect(html).toContain("&#34;&#62;&#60;script&#62;alert(&#39;x&#39;)&#60;/script&#62;&#38;");
    });

    it.each([
      ["no client_id", { client_id: undefined }],
      ["an unknown client", { client_id: "no-such-client" }],
      ["a client id no client can have", { client_id: "bad id\u00e9" }],
      ["no redirect_uri", { redirect_uri: undefined }],
      ["an unregistered redirect_uri", { redirect_uri: "https://evil.example.com/callback" }],
      ["a redirect_uri with another path", { redirect_uri: "https://app.example.com/callback/x" }],
      [
        "a redirect_uri with a query added",
        { redirect_uri: "https://app.example.com/callback?x=1" },
      ],
      ["a redirect_uri over http", { redirect_uri: "http://app.example.com/callback" }],
      ["a redirect_uri with a port", { redirect_uri: "https://app.example.com:8443/callback" }],
    ])("shows %s on a 400 page and never redirects", async (_name, change) => {
      const response = await authorize({ ...valid(), ...change });
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
      expectSecureHtml(response);
      expect(await response.text()).toContain("This sign-in request cannot be used");
    });

    it("shows a repeated client_id or redirect_uri on a page too", async () => {
      const query = `${form(valid())}&redirect_uri=${encodeURIComponent("https://evil.example.com/")}`;
      const response = await identity.app.request(`/oauth2/authorize?${query}`);
      expect(response.status).toBe(400);
      expect(response.headers.get("location")).toBeNull();
    });

    it.each([
      ["no code_challenge", { code_challenge: undefined }, "invalid_request"],
      ["the plain method", { code_challenge_method: "plain" }, "invalid_request"],
      ["no code_challenge_method", { code_challenge_method: undefined }, "invalid_request"],
      ["a malformed challenge", { code_challenge: "too-short" }, "invalid_request"],
      ["response_type=token", { response_type: "token" }, "unsupported_response_type"],
      ["no response_type", { response_type: undefined }, "invalid_request"],
      ["an unknown scope", { scope: "profile admin" }, "invalid_scope"],
      ["a scope the client lacks", { scope: "catalog:write" }, "invalid_scope"],
    ])(
      "redirects %s back to the client with the error, state and iss",
      async (_name, change, error) => {
        const response = await authorize({ ...valid({ state: "st" }), ...change });
        expect(redirectError(response)).toEqual({
          target: client.redirectUri,
          error,
          error_description: expect.any(String),
          state: "st",
          iss: TEST_ISSUER,
        });
      },
    );

    it("refuses a repeated state without echoing either", async () => {
      const response = await identity.app.request(
        `/oauth2/authorize?${form(valid({ state: "a" }))}&state=b`,
      );
      const params = redirectError(response);
      expect(params).toMatchObject({ error: "invalid_request" });
      expect(params).not.toHaveProperty("state");
    });

    it("refuses catalog:write to users even when the client may ask for it", async () => {
      const machineToo = await testClient(identity.db, {
        scopes: ["profile", "catalog:write"],
      });
      const refused = await authorize(
        authorizeQuery({ client: machineToo, challenge, scope: "catalog:write" }),
      );
      expect(redirectError(refused).error).toBe("invalid_scope");
      // With no scope asked for, the user grants what a user can: profile alone.
      const login = await submitLogin(identity.app, { client: machineToo, challenge }, user);
      const code = new URL(login.headers.get("location") ?? "").searchParams.get("code") ?? "";
      const [row] = await identity.db
        .select({ scope: authorizationCodes.scope })
        .from(authorizationCodes)
        .where(eq(authorizationCodes.codeHash, hashOpaqueToken(code)));
      expect(row?.scope).toBe("profile");
    });

    it("answers unauthorized_client for a client without the code grant", async () => {
      const machine = await testClient(identity.db, {
        grantTypes: ["client_credentials"],
        scopes: ["catalog:write"],
      });
      const response = await authorize(authorizeQuery({ client: machine, challenge }));
      expect(redirectError(response).error).toBe("unauthorized_client");
    });

    it("keeps a query the registered redirect URI has", async () => {
      const withQuery = await testClient(identity.db, {
        public: true,
        redirectUris: ["https://app.example.com/cb?tenant=7"],
      });
      const response = await authorize({
        ...authorizeQuery({ client: withQuery, challenge }),
        code_challenge_method: "plain",
      });
      const location = new URL(response.headers.get("location") ?? "");
      expect(location.searchParams.get("tenant")).toBe("7");
      expect(location.searchParams.get("error")).toBe("invalid_request");
    });

    it("matches loopback redirect URIs on any port (RFC 8252 §7.3), and nothing else", async () => {
      const native = await testClient(identity.db, {
        public: true,
        redirectUris: ["http://127.0.0.1/callback", "http://[::1]/cb"],
      });
      const ask = (redirectUri: string) =>
        authorize({ ...authorizeQuery({ client: native, challenge }), redirect_uri: redirectUri });
      for (const uri of [
        "http://127.0.0.1/callback",
        "http://127.0.0.1:53124/callback",
        "http://[::1]:8080/cb",
      ]) {
        expect((await ask(uri)).status).toBe(200);
      }
      expectSecureHtml(await ask("http://127.0.0.1:53124/callback"), "http://127.0.0.1:53124");
      for (const uri of [
        "http://127.0.0.1:53124/callback/x",
        "http://127.0.0.1:99999/callback",
        "http://localhost:53124/callback",
        "https://127.0.0.1:53124/callback",
        "http://127.0.0.1:53124/callback#x",
        "http://127.0.0.1.evil.com/callback",
      ]) {
        const response = await ask(uri);
        expect(response.status, uri).toBe(400);
        expect(response.headers.get("location")).toBeNull();
      }
      const login = await submitLogin(
        identity.app,
        { client: { ...native, redirectUri: "http://127.0.0.1:40001/callback" }, challenge },
        user,
      );
      expect(login.status).toBe(303);
      expect(login.headers.get("location")).toMatch(
        /^http:\/\/127\.0\.0\.1:40001\/callback\?code=/,
      );
    });

    it.each([
      ["bad percent-encoding", "client_id=%zz"],
      ["percent-encoded non-UTF-8", "client_id=%ff"],
      ["a NUL", `client_id=a%00`],
      ["a huge value", `state=${"s".repeat(5000)}`],
      ["too many parameters", Array.from({ length: 40 }, (_, i) => `p${i}=1`).join("&")],
    ])("answers %s with a 400 page", async (_name, query) => {
      const response = await identity.app.request(`/oauth2/authorize?${query}`);
      expect(response.status).toBe(400);
      expectSecureHtml(response);
    });
  });

  describe("POST", () => {
    it("sends the user back with a one-use code, the state and iss after a right password", async () => {
      const response = await submitLogin(identity.app, { client, challenge, state: "s2" }, user);
      expect(response.status).toBe(303);
      expect(response.headers.get("cache-control")).toBe("no-store");
      const location = new URL(response.headers.get("location") ?? "");
      expect(`${location.origin}${location.pathname}`).toBe(client.redirectUri);
      expect(Object.fromEntries(location.searchParams)).toEqual({
        code: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        state: "s2",
        iss: TEST_ISSUER,
      });
    });

    it("shows the form again with 401 on a wrong password, keeping the email but not the password", async () => {
      const password = "a wrong password <b>";
      const response = await submitLogin(
        identity.app,
        { client, challenge },
        {
          email: user.email,
          password,
        },
      );
      expect(response.status).toBe(401);
      expectSecureHtml(response, "https://app.example.com");
      const html = await response.text();
      expect(html).toContain("Invalid email or password");
      expect(html).toContain(`value="${user.email}"`);
      expect(html).not.toContain("wrong password");
      expect(response.headers.get("location")).toBeNull();
    });

    it("answers an unknown email exactly as a wrong password", async () => {
      const email = uniqueEmail("nobody");
      const unknown = await submitLogin(
        identity.app,
        { client, challenge },
        {
          email,
          password: user.password,
        },
      );
      expect(unknown.status).toBe(401);
      const html = await unknown.text();
      expect(html).toContain("Invalid email or password");
      expect(html).toContain(`value="${email}"`);
    });

    it("checks the request again: a changed redirect_uri gets a page, a plain challenge a redirect", async () => {
      const tampered = await identity.app.request("/oauth2/authorize", {
        method: "POST",
        headers: FORM_HEADERS,
        body: form({ ...valid(), redirect_uri: "https://evil.example.com/", ...user }),
      });
      expect(tampered.status).toBe(400);
      expect(tampered.headers.get("location")).toBeNull();
      const plain = await identity.app.request("/oauth2/authorize", {
        method: "POST",
        headers: FORM_HEADERS,
        body: form({ ...valid(), code_challenge_method: "plain", ...user }),
      });
      expect(plain.status).toBe(303);
      expect(new URL(plain.headers.get("location") ?? "").searchParams.get("error")).toBe(
        "invalid_request",
      );
    });

    it("asks again for a missing or repeated email or password, counting no failure", async () => {
      const missing = await identity.app.request("/oauth2/authorize", {
        method: "POST",
        headers: FORM_HEADERS,
        body: form({ ...valid(), email: user.email }),
      });
      expect(missing.status).toBe(400);
      expect(await missing.text()).toContain("Enter your email and password.");
      const repeated = await identity.app.request("/oauth2/authorize", {
        method: "POST",
        headers: FORM_HEADERS,
        body: `${form({ ...valid(), ...user })}&password=other`,
      });
      expect(repeated.status).toBe(400);
    });

    it.each([
      ["JSON", JSON.stringify({ email: "a" }), { "content-type": "application/json" }],
      ["no content type", "email=a", {}],
      ["a body over the limit", `email=${"a".repeat(40_000)}`, FORM_HEADERS],
      ["bad percent-encoding", "email=%zz", FORM_HEADERS],
      ["non-UTF-8", new Uint8Array([0x65, 0x3d, 0xc3, 0x28]), FORM_HEADERS],
      ["a NUL in the password", "password=a%00", FORM_HEADERS],
    ])("answers %s with a 400 page", async (_name, body, headers) => {
      const response = await identity.app.request("/oauth2/authorize", {
        method: "POST",
        headers,
        body,
      });
      expect(response.status).toBe(400);
      expectSecureHtml(response);
    });

    it("treats an over-long email or password as wrong, not as an error", async () => {
      const email = `${"x".repeat(300)}@example.com`;
      const longEmail = await submitLogin(
        identity.app,
        { client, challenge },
        {
          email,
          password: user.password,
        },
      );
      expect(longEmail.status).toBe(401);
      const longPassword = await submitLogin(
        identity.app,
        { client, challenge },
        {
          email: uniqueEmail("long"),
          password: "p".repeat(4000),
        },
      );
      expect(longPassword.status).toBe(401);
    });
  });
});
