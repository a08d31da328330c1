// The identity app over HTTP: its plain routes, several instances on one database, start-up
// with a changed secret, and what reaches the logs.
import { Code, ConnectError } from "@connectrpc/connect";
import { afterEach, describe, expect, it, vi } from "vitest";
import { IdentityService } from "../gen/identity/v1/identity_pb.js";
import { createServiceClient } from "../platform/rpc/client.js";
import { databaseKinds } from "../platform/testing/databases.js";
import { inProcessFetch } from "../platform/testing/in-process-fetch.js";
import { type RunningIdentity, startIdentity } from "./app.js";
import { identityConfig, newKeySecret, uniqueEmail, useIdentity } from "./testing.js";

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
