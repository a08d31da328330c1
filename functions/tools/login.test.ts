// `npm run login` as a user runs it: a child process against identity served on a real port
// (it serves the same OAuth paths the gateway forwards), the password on stdin.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createLocalJWKSet, jwtVerify } from "jose";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_EMAIL, seedLocalAccess } from "../identity/oauth/seed-local.js";
import { pkcePair, submitLogin } from "../identity/oauth/testing.js";
import { TEST_ISSUER, useIdentity } from "../identity/testing.js";
import { listen, type RunningServer } from "../platform/node-server.js";
import { databaseKinds } from "../platform/testing/databases.js";

const LOGIN = fileURLToPath(new URL("./login.ts", import.meta.url));

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function runLogin(args: string[], input: string, url: string): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", LOGIN, ...args], {
      env: { ...process.env, SLIPWAY_URL: url },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (chunk) => {
      stdout += chunk;
    });
    child.stderr.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("error", reject);
    child.on("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe.each(databaseKinds)("npm run login on %s", (kind) => {
  const identity = useIdentity(kind);
  let server: RunningServer;
  let dataDir: string;
  let password: string;
  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), "slipway-login-"));
    const { demoPasswordFile } = await seedLocalAccess(identity.db, { dataDir });
    password = (await readFile(demoPasswordFile, "utf8")).trim();
    server = await listen(identity.app.fetch, { port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it("prints a verifiable access token on stdout, the refresh token and expiry on stderr", async () => {
    const run = await runLogin([DEMO_EMAIL], `${password}\n`, server.url);
    expect(run.stderr).toMatch(/refresh token: [A-Za-z0-9_-]{43}\n/);
    expect(run.stderr).toMatch(/expires in 900 s/);
    expect(run.stderr).not.toContain(password);
    expect(run.code).toBe(0);
    const token = run.stdout.trim();
    const jwks = createLocalJWKSet(
      await (await identity.app.request("/.well-known/jwks.json")).json(),
    );
    const { payload } = await jwtVerify(token, jwks, {
      issuer: TEST_ISSUER,
      audience: "slipway-api",
    });
    expect(payload).toMatchObject({
      client_id: "slipway-cli",
      scope: "profile orders:read orders:write",
    });
  });

  it("says so on a wrong password, then when the account is rate limited, exiting 1", async () => {
    const wrong = await runLogin([DEMO_EMAIL], "not the password\n", server.url);
    expect(wrong).toEqual({ code: 1, stdout: "", stderr: "wrong email or password\n" });
    const client = {
      clientId: "slipway-cli",
      secret: undefined,
      redirectUri: "http://127.0.0.1/callback",
    };
    for (let attempt = 0; attempt < 4; attempt++) {
      const { challenge } = pkcePair();
      await submitLogin(
        identity.app,
        { client, challenge },
        { email: DEMO_EMAIL, password: "nope" },
      );
    }
    const limited = await runLogin([DEMO_EMAIL], `${password}\n`, server.url);
    expect(limited.code).toBe(1);
    expect(limited.stdout).toBe("");
    expect(limited.stderr).toMatch(
      /^too many failed sign-ins for this account; try again in \d+ seconds\n$/,
    );
  });
});

describe("npm run login without a server", () => {
  it("prints its usage without an email, exiting 2", async () => {
    const run = await runLogin([], "", "http://127.0.0.1:9");
    expect(run).toEqual({ code: 2, stdout: "", stderr: "usage: npm run login -- <email>\n" });
  });

  it("says where it could not reach", async () => {
    // A port that was free a moment ago: nothing answers there.
    const closed = await listen(() => new Response(), { port: 0 });
    await closed.close();
    const run = await runLogin(["a@example.com"], "pw\n", closed.url);
    expect(run.code).toBe(1);
    expect(run.stderr).toBe(
      `cannot reach slipway at ${closed.url} (ECONNREFUSED); is npm start running, or SLIPWAY_URL set?\n`,
    );
  });
});
