// The grants of the token endpoint through the identity app: authorization_code (PKCE, binding,
// replay, expiry), refresh_token (rotation, narrowing, races) and client_credentials.
import { eq, sql } from "drizzle-orm";
import { createLocalJWKSet, type JWTVerifyGetKey, jwtVerify } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { authorizationCodes, refreshTokens } from "../../db/schema.js";
import { TEST_ISSUER, useIdentity } from "../../testing.js";
import { hashOpaqueToken } from "../opaque-tokens.js";
import {
  authorizationCode,
  basicAuth,
  pkcePair,
  signInWithCode,
  type TestClient,
  type TestUser,
  testClient,
  testUser,
  tokenRequest,
} from "../testing.js";

const _UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe.each(databaseKinds)("token grants on %s", (kind) => {
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

  describe("authorization_code", () => {
    const exchange = (client: TestClient, values: Record<string, string | undefined>) =>
      tokenRequest(identity.app, {
        grant_type: "authorization_code",
        redirect_uri: client.redirectUri,
        client_id: client.clientId,
        client_secret: client.secret,
        ...values,
      });

    it("refuses a wrong code_verifier, and the code is spent after", async () => {
      const client = await testClient(identity.db, { public: true });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client, challenge }, user);
      const wrong = await exchange(client, { code, code_verifier: pkcePair().verifier });
      expect(wrong.status).toBe(400);
      expect(wrong.body).toEqual({ error: "invalid_grant", error_description: expect.any(String) });
      const right = await exchange(client, { code, code_verifier: verifier });
      expect(right.body.error).toBe("invalid_grant");
    });

    it("refuses a missing or malformed code_verifier without spending the code", async () => {
      const client = await testClient(identity.db, { public: true });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client, challenge }, user);
      for (const codeVerifier of [
        undefined,
        "short",
        `${"a".repeat(128)}b`,
        `${"a".repeat(43)}!`,
      ]) {
        const answer = await exchange(client, { code, code_verifier: codeVerifier });
        expect(answer.status).toBe(400);
        expect(answer.body.error).toBe("invalid_request");
      }
      expect((await exchange(client, { code, code_verifier: verifier })).status).toBe(200);
    });

    it("refuses a redirect_uri other than the one the code was issued for", async () => {
      const client = await testClient(identity.db, {
        public: true,
        redirectUris: ["https://app.example.com/callback", "https://app.example.com/other"],
      });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client, challenge }, user);
      const answer = await exchange(client, {
        code,
        code_verifier: verifier,
        redirect_uri: "https://app.example.com/other",
      });
      expect(answer.body.error).toBe("invalid_grant");
    });

    it("refuses a code redeemed by another client", async () => {
      const owner = await testClient(identity.db, { public: true });
      const thief = await testClient(identity.db, { public: true });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client: owner, challenge }, user);
      const answer = await exchange(thief, {
        code,
        code_verifier: verifier,
        redirect_uri: owner.redirectUri,
      });
      expect(answer.body.error).toBe("invalid_grant");
    });

    it("answers a second use of a code with invalid_grant and revokes the refresh family it started", async () => {
      const client = await testClient(identity.db, { public: true });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client, challenge }, user);
      const first = await exchange(client, { code, code_verifier: verifier });
      expect(first.status).toBe(200);
      const again = await exchange(client, { code, code_verifier: verifier });
      expect(again.status).toBe(400);
      expect(again.body.error).toBe("invalid_grant");
      expect(again.body.refresh_token).toBeUndefined();
      const refreshed = await refresh(client, first.body.refresh_token);
      expect(refreshed.body.error).toBe("invalid_grant");
    });

    it("refuses an expired code", async () => {
      const client = await testClient(identity.db, { public: true });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client, challenge }, user);
      const [row] = await identity.db
        .select({ ttl: sql<number>`extract(epoch from expires_at - created_at)::int` })
        .from(authorizationCodes)
        .where(eq(authorizationCodes.codeHash, hashOpaqueToken(code)));
      expect(row?.ttl).toBe(60);
      await identity.db
        .update(authorizationCodes)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(authorizationCodes.codeHash, hashOpaqueToken(code)));
      const answer = await exchange(client, { code, code_verifier: verifier });
      expect(answer.body.error).toBe("invalid_grant");
    });

    it("stores hashes of codes and refresh tokens, never the values", async () => {
      const client = await testClient(identity.db, { public: true });
      const { verifier, challenge } = pkcePair();
      const code = await authorizationCode(identity.app, { client, challenge }, user);
      const { body } = await exchange(client, { code, code_verifier: verifier });
      const stored = JSON.stringify([
        await identity.db.select().from(authorizationCodes),
        await identity.db.select().from(refreshTokens),
      ]);
      expect(stored).not.toContain(code);
      expect(stored).not.toContain(String(body.refresh_token));
      expect(stored).toContain(hashOpaqueToken(code));
    });

    it("gives no refresh token to a client without the refresh_token grant", async () => {
      const client = await testClient(identity.db, {
        public: true,
        grantTypes: ["authorization_code"],
      });
      const { status, body } = await signInWithCode(identity.app, client, user);
      expect(status).toBe(200);
      expect(body.refresh_token).toBeUndefined();
      expect(body.scope).toBe("profile orders:read orders:write");
    });
  });

  describe("refresh_token", () => {
    it("narrows the scope on request but never widens it; a refused widening spends nothing", async () => {
      const client = await testClient(identity.db, { public: true });
      const { body } = await signInWithCode(identity.app, client, user, "profile orders:read");
      const wider = await refresh(client, body.refresh_token, { scope: "profile orders:write" });
      expect(wider.status).toBe(400);
      expect(wider.body.error).toBe("invalid_scope");
      const unknown = await refresh(client, body.refresh_token, { scope: "admin" });
      expect(unknown.body.error).toBe("invalid_scope");
      const narrower = await refresh(client, body.refresh_token, { scope: "orders:read" });
      expect(narrower.status).toBe(200);
      expect(narrower.body.scope).toBe("orders:read");
      // The rotated token keeps the family's scope (RFC 6749 §6).
      const next = await refresh(client, narrower.body.refresh_token);
      expect(next.body.scope).toBe("profile orders:read");
    });

    it("refuses a refresh token presented by another client, without spending it", async () => {
      const owner = await testClient(identity.db, { public: true });
      const other = await testClient(identity.db, { public: true });
      const { body } = await signInWithCode(identity.app, owner, user);
      expect((await refresh(other, body.refresh_token)).body.error).toBe("invalid_grant");
      expect((await refresh(owner, body.refresh_token)).status).toBe(200);
    });

    it("refuses unknown, expired and missing refresh tokens", async () => {
      const client = await testClient(identity.db, { public: true });
      const { body } = await signInWithCode(identity.app, client, user);
      await identity.db
        .update(refreshTokens)
        .set({ expiresAt: sql`now() - interval '1 second'` })
        .where(eq(refreshTokens.tokenHash, hashOpaqueToken(String(body.refresh_token))));
      expect((await refresh(client, body.refresh_token)).body.error).toBe("invalid_grant");
      expect((await refresh(client, "x".repeat(43))).body.error).toBe("invalid_grant");
      expect((await refresh(client, "")).body.error).toBe("invalid_request");
    });

    it("lets only one of two concurrent refreshes with one token succeed, and revokes the family", async () => {
      const client = await testClient(identity.db, { public: true });
      const { body } = await signInWithCode(identity.app, client, user);
      const answers = await Promise.all([
        refresh(client, body.refresh_token),
        refresh(client, body.refresh_token),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([200, 400]);
      const winner = answers.find((answer) => answer.status === 200);
      expect((await refresh(client, winner?.body.refresh_token)).body.error).toBe("invalid_grant");
    });
  });

  describe("client_credentials", () => {
    it("authenticates with Basic or with the secret in the body; sub is the client; no refresh token", async () => {
      const client = await testClient(identity.db, {
        grantTypes: ["client_credentials"],
        scopes: ["catalog:write", "orders:read"],
      });
      const secret = client.secret ?? "";
      const viaBasic = await tokenRequest(
        identity.app,
        { grant_type: "client_credentials", scope: "catalog:write" },
        basicAuth(client.clientId, secret),
      );
      const viaPost = await tokenRequest(identity.app, {
        grant_type: "client_credentials",
        client_id: client.clientId,
        client_secret: secret,
      });
      expect(viaBasic.status).toBe(200);
      expect(viaBasic.body.scope).toBe("catalog:write");
      expect(viaBasic.body.refresh_token).toBeUndefined();
      expect(viaPost.body.scope).toBe("orders:read catalog:write");
      const { payload } = await jwtVerify(String(viaBasic.body.access_token), jwks, {
        issuer: TEST_ISSUER,
        audience: "slipway-api",
      });
      expect(payload).toMatchObject({ sub: client.clientId, client_id: client.clientId });
    });

    it("takes Basic credentials that need form-decoding", async () => {
      const answer = await tokenRequest(
        identity.app,
        { grant_type: "client_credentials" },
        basicAuth("nobody", "a secret: with+odd/chars%"),
      );
      expect(answer.status).toBe(401);
      expect(answer.body.error).toBe("invalid_client");
    });

    it("answers a wrong secret with 401 and a Basic challenge under Basic, 400 in the body", async () => {
      const client = await testClient(identity.db, {
        grantTypes: ["client_credentials"],
        scopes: ["catalog:write"],
      });
      const basic = await tokenRequest(
        identity.app,
        { grant_type: "client_credentials" },
        basicAuth(client.clientId, "wrong-secret-of-enough-length-000000"),
      );
      expect(basic.status).toBe(401);
      expect(basic.headers.get("www-authenticate")).toBe('Basic realm="slipway"');
      expect(basic.body.error).toBe("invalid_client");
      const posted = await tokenRequest(identity.app, {
        grant_type: "client_credentials",
        client_id: client.clientId,
        client_secret: "wrong",
      });
      expect(posted.status).toBe(400);
      expect(posted.headers.get("www-authenticate")).toBeNull();
      expect(posted.body.error).toBe("invalid_client");
      const missing = await tokenRequest(identity.app, {
        grant_type: "client_credentials",
        client_id: client.clientId,
      });
      expect(missing.body.error).toBe("invalid_client");
    });

    it("refuses a public client, and a public client that sends a secret", async () => {
      const client = await testClient(identity.db, { public: true });
      const plain = await tokenRequest(identity.app, {
        grant_type: "client_credentials",
        client_id: client.clientId,
      });
      expect(plain.body.error).toBe("unauthorized_client");
      const withSecret = await tokenRequest(identity.app, {
        grant_type: "client_credentials",
        client_id: client.clientId,
        client_secret: "anything-at-all",
      });
      expect(withSecret.body.error).toBe("invalid_client");
    });

    it("refuses a scope the client is not allowed", async () => {
      const client = await testClient(identity.db, {
        grantTypes: ["client_credentials"],
        scopes: ["catalog:write"],
      });
      for (const scope of ["orders:read", "catalog:write admin"]) {
        const answer = await tokenRequest(
          identity.app,
          { grant_type: "client_credentials", scope },
          basicAuth(client.clientId, client.secret ?? ""),
        );
        expect(answer.body.error).toBe("invalid_scope");
      }
    });
  });
});
