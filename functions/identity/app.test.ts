// The identity app over HTTP: its plain routes, several instances on one database, start-up
// with a changed secret, and what reaches the logs.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IdentityService } from "../gen/identity/v1/identity_pb.js";
import type { Logger } from "../platform/logger.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { testCredentials } from "../platform/testing/credentials.js";
import { databaseKinds } from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { createIdentityApp, type RunningIdentity, startIdentity } from "./app.js";
import type { IdentityDb } from "./db/open.js";
import { identityConfig, newKeySecret, TEST_ISSUER, uniqueEmail, useIdentity } from "./testing.js";

describe.each(databaseKinds)("identity app on %s", (kind) => {
  const identity = useIdentity(kind);
  const where = () => ({
    DATABASE_URL: identity.database.url,
    DATA_DIR: identity.database.dataDir,
  });
  const started: RunningIdentity[] = [];
  afterEach(async () => {
    vi.restoreAllMocks();
    await Promise.all(started.splice(0).map((running) => running.close()));
  });

  it("answers the liveness probe", async () => {
    const response = await identity.app.request("/health/live");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: "ok" });
  });

  it("serves the JWKS as cacheable JSON with public keys only", async () => {
    const response = await identity.app.request("/.well-known/jwks.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    expect(response.headers.get("cache-control")).toBe("public, max-age=300");
    const text = await response.text();
    const jwks = JSON.parse(text) as { keys: Record<string, string>[] };
    expect(jwks.keys.length).toBeGreaterThanOrEqual(1);
    for (const key of jwks.keys) {
      expect(Object.keys(key).sort()).toEqual(["alg", "crv", "kid", "kty", "use", "x", "y"]);
    }
    expect(text).not.toContain(identity.secret);
  });

  it("serves the authorization server metadata, every URL on TOKEN_ISSUER", async () => {
    for (const path of [
      "/.well-known/openid-configuration",
      "/.well-known/oauth-authorization-server",
    ]) {
      const response = await identity.app.request(path);
      expect(response.status).toBe(200);
      expect(response.headers.get("cache-control")).toBe("public, max-age=300");
      expect(await response.json()).toEqual({
        issuer: TEST_ISSUER,
        authorization_endpoint: `${TEST_ISSUER}/oauth2/authorize`,
        token_endpoint: `${TEST_ISSUER}/oauth2/token`,
        jwks_uri: `${TEST_ISSUER}/.well-known/jwks.json`,
        scopes_supported: ["profile", "orders:read", "orders:write", "catalog:write"],
        response_types_supported: ["code"],
        grant_types_supported: ["authorization_code", "refresh_token", "client_credentials"],
        code_challenge_methods_supported: ["S256"],
        token_endpoint_auth_methods_supported: [
          "client_secret_basic",
          "client_secret_post",
          "none",
        ],
        subject_types_supported: ["public"],
        id_token_signing_alg_values_supported: ["ES256"],
        authorization_response_iss_parameter_supported: true,
      });
    }
  });

  it("serves the same JWKS from a second instance on the same database", async () => {
    const second = await startIdentity(identityConfig(where(), identity.secret));
    started.push(second);
    const jwks = async (app: typeof identity.app) =>
      (await app.request("/.well-known/jwks.json")).json();
    const [one, two] = await Promise.all([jwks(identity.app), jwks(second.app)]);
    expect(two).toEqual(one);
  });

  it("refuses to start with a secret that cannot open the stored key, naming neither", async () => {
    const wrong = newKeySecret();
    const error = await startIdentity(identityConfig(where(), wrong)).then(
      (running) => {
        started.push(running);
        return expect.fail("expected start-up to fail");
      },
      (caught: unknown) => caught as Error,
    );
    expect(error.message).toMatch(/cannot be decrypted with IDENTITY_KEY_SECRET/);
    expect(error.message).not.toContain(wrong);
    expect(error.message).not.toContain(identity.secret);
  });

  it("logs neither the password nor the key secret, even at DEBUG", async () => {
    const lines: string[] = [];
    const capture = (chunk: unknown) => {
      lines.push(String(chunk));
      return true;
    };
    vi.spyOn(process.stdout, "write").mockImplementation(capture);
    vi.spyOn(process.stderr, "write").mockImplementation(capture);
    const running = await startIdentity(identityConfig(where(), identity.secret, "DEBUG"));
    started.push(running);
    const client = createServiceClient(IdentityService, {
      baseUrl: "http://identity.test",
      timeoutMs: 10_000,
      fetch: inProcessFetch(running.app),
      interceptors: [testCredentials("identity")],
    });
    const password = "a-long-and-secret-passphrase";
    const email = uniqueEmail();
    await client.registerUser({ email, password, displayName: "Log Test" });
    const duplicate = await client
      .registerUser({ email, password, displayName: "Log Test" })
      .catch((caught: unknown) => ConnectError.from(caught));
    expect(duplicate).toBeInstanceOf(ConnectError);
    expect((duplicate as ConnectError).code).toBe(Code.AlreadyExists);
    await client.registerUser({ email: "x", password, displayName: "" }).catch(() => undefined);
    vi.restoreAllMocks();

    expect(lines.join("")).toMatch(/signing key ready/);
    const logs = lines.join("");
    expect(logs).not.toContain(password);
    expect(logs).not.toContain(identity.secret);
    expect(logs).not.toContain("scrypt$");
  });
});

describe("identity app when its database fails", () => {
  const failing = new Proxy(
    {},
    {
      get() {
        throw Object.assign(new Error("Failed query: select … params: secret-param"), {
          cause: { code: "57P01", message: "terminating connection" },
        });
      },
    },
  ) as IdentityDb;
  const logged: unknown[] = [];
  const ignore = () => {};
  const logger = {
    error: (...args: unknown[]) => logged.push(args),
    warn: ignore,
    info: ignore,
    debug: ignore,
  } as unknown as Logger;
  const app = createIdentityApp({
    db: failing,
    logger,
    config: identityConfig({ DATABASE_URL: undefined, DATA_DIR: "memory://" }, newKeySecret()),
  });

  it("answers the token endpoint with RFC 6749 server_error JSON, not cached", async () => {
    const response = await app.request("/oauth2/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials&client_id=app&client_secret=hunter2-hunter2",
    });
    expect(response.status).toBe(500);
    expect(response.headers.get("cache-control")).toBe("no-store");
    expect(await response.json()).toEqual({
      error: "server_error",
      error_description: "the server failed; try again later",
    });
  });

  it("answers the sign-in page with a plain 500 page, and logs no query parameters", async () => {
    const response = await app.request(
      "/oauth2/authorize?client_id=app&redirect_uri=https%3A%2F%2Fa.example%2F",
    );
    expect(response.status).toBe(500);
    expect(response.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("x-frame-options")).toBe("DENY");
    const logs = JSON.stringify(logged);
    expect(logs).toContain("57P01");
    expect(logs).not.toContain("secret-param");
    expect(logs).not.toContain("hunter2");
  });
});
