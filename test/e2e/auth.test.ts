// Acceptance (auth): through the gateway of a real `npm start`, with plain HTTP only:
// register → authorize with PKCE (driving the login form) → token → /v1/me → refresh → reuse of
// the old refresh token is refused and revokes the family; the seeded admin client and demo
// customer work; and no password, secret, code or token appears anywhere in the system's logs.
import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  adminToken,
  CLI_CLIENT,
  CLI_REDIRECT,
  logIn,
  newPkce,
  openLoginForm,
  refresh,
  submitLogin,
  tokenRequest,
} from "./oauth-client.js";
import {
  killAllSystems,
  REPO_ROOT,
  type SystemProcess,
  servicePorts,
  spawnSystem,
} from "./system.js";

let dataDir: string;
let gateway: string;
let system: SystemProcess;
/** Every secret value the flow handled, to be looked for in the logs at the end. */
const secrets = new Set<string>();

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), "slipway-e2e-auth-"));
  const ports = await servicePorts();
  gateway = `http://127.0.0.1:${ports.PORT_GATEWAY}`;
  system = spawnSystem({
    ...ports,
    DATA_DIR: dataDir,
    // Everything the system can say, so the log scan sees the most.
    LOG_LEVEL: "DEBUG",
  });
  await system.waitUntilRunning(60_000);
}, 90_000);

afterAll(async () => {
  await killAllSystems();
  await rm(dataDir, { recursive: true, force: true });
});

async function api(path: string, init: RequestInit & { token?: string } = {}) {
  const { token, ...rest } = init;
  const headers = new Headers(rest.headers);
  if (token) headers.set("authorization", `Bearer ${token}`);
  if (rest.body !== undefined) headers.set("content-type", "application/json");
  const response = await fetch(`${gateway}${path}`, { ...rest, headers });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? JSON.parse(text) : {} };
}

function remember(...values: (string | undefined)[]) {
  for (const value of values) if (value) secrets.add(value);
}

describe("auth through the gateway of npm start", () => {
  const email = `Ada.${process.pid}@Example.com`;
  const password = "correct horse battery staple";
  remember(password);

  it("prints how to get tokens", () => {
    expect(system.stdout).toContain("admin-client-secret");
    expect(system.stdout).toContain("npm run login");
  });

  it("registers, logs in with PKCE, reads /v1/me, refreshes, and revokes a reused family", {
    timeout: 60_000,
  }, async () => {
    const registered = await api("/v1/users", {
      method: "POST",
      body: JSON.stringify({ email, password, displayName: "Ada" }),
    });
    expect(registered.status).toBe(201);
    expect(JSON.stringify(registered.json)).not.toContain(password);

    // A wrong password first: refused on the form, and logged without the password.
    const wrongPkce = newPkce();
    const form = await openLoginForm(gateway, wrongPkce, "s1");
    const wrongPassword = "not the password at all";
    remember(wrongPassword, wrongPkce.verifier);
    const refused = await submitLogin(form, email, wrongPassword);
    expect(refused.status).toBe(401);
    expect(await refused.text()).not.toContain(wrongPassword);

    const tokens = await logIn(gateway, { email, password });
    remember(tokens.access_token, tokens.refresh_token);
    expect(tokens).toMatchObject({
      token_type: "Bearer",
      scope: expect.stringContaining("profile"),
    });
    expect(tokens.expires_in).toBeLessThanOrEqual(900);

    const me = await api("/v1/me", { token: tokens.access_token });
    expect(me.status).toBe(200);
    expect(me.json).toMatchObject({ email, displayName: "Ada" });

    const rotated = await refresh(gateway, tokens.refresh_token ?? "");
    expect(rotated.status).toBe(200);
    expect(rotated.headers.get("cache-control")).toBe("no-store");
    const next = rotated.json as { access_token: string; refresh_token: string };
    remember(next.access_token, next.refresh_token);
    expect(next.refresh_token).not.toBe(tokens.refresh_token);
    expect((await api("/v1/me", { token: next.access_token })).status).toBe(200);

    // Replaying the old refresh token: refused, and the whole family with it.
    const replay = await refresh(gateway, tokens.refresh_token ?? "");
    expect(replay.status).toBe(400);
    expect(replay.json.error).toBe("invalid_grant");
    const afterRevoke = await refresh(gateway, next.refresh_token);
    expect(afterRevoke.status).toBe(400);
    expect(afterRevoke.json.error).toBe("invalid_grant");
  });

  it("refuses a code exchanged with the wrong PKCE verifier", async () => {
    const pkce = newPkce();
    const form = await openLoginForm(gateway, pkce, "s2");
    const answer = await submitLogin(form, email, password);
    expect(answer.status).toBe(303);
    const code = new URL(answer.headers.get("location") ?? "").searchParams.get("code") ?? "";
    remember(code, pkce.verifier);
    const exchanged = await tokenRequest(gateway, {
      grant_type: "authorization_code",
      code,
      redirect_uri: CLI_REDIRECT,
      client_id: CLI_CLIENT,
      code_verifier: newPkce().verifier,
    });
    expect(exchanged.status).toBe(400);
    expect(exchanged.json.error).toBe("invalid_grant");
  });

  it("lets the seeded admin client change the catalog, and not a customer", async () => {
    const admin = await adminToken(gateway, dataDir);
    remember(admin, (await readFile(join(dataDir, "admin-client-secret"), "utf8")).trim());
    const product = {
      sku: `AUTH-E2E-${process.pid}`,
      name: "Kettle",
      price: { amountMinor: 1500, currency: "EUR" },
      stock: 2,
    };
    const anonymous = await api("/v1/products", { method: "POST", body: JSON.stringify(product) });
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get("www-authenticate")).toMatch(/^Bearer /);

    const customer = await logIn(gateway, { email, password });
    remember(customer.access_token, customer.refresh_token);
    const asCustomer = await api("/v1/products", {
      method: "POST",
      body: JSON.stringify(product),
      token: customer.access_token,
    });
    expect(asCustomer.status).toBe(403);
    expect(asCustomer.headers.get("www-authenticate")).toContain('error="insufficient_scope"');

    const created = await api("/v1/products", {
      method: "POST",
      body: JSON.stringify(product),
      token: admin,
    });
    expect(created.status).toBe(201);
    // Browsing stays public.
    expect((await api(`/v1/products/${created.json.id}`)).status).toBe(200);
  });

  it("logs the demo customer in with `npm run login`", { timeout: 60_000 }, async () => {
    const demoPassword = (await readFile(join(dataDir, "demo-password"), "utf8")).trim();
    remember(demoPassword);
    const { code, stdout, stderr } = await runLogin("demo@slipway.dev", `${demoPassword}\n`);
    expect({ code, stderr }).toMatchObject({ code: 0 });
    const token = stdout.trim();
    remember(token);
    const me = await api("/v1/me", { token });
    expect(me.status).toBe(200);
    expect(me.json.email).toBe("demo@slipway.dev");

    const wrong = await runLogin("demo@slipway.dev", "wrong password entirely\n");
    expect(wrong.code).not.toBe(0);
    expect(wrong.stdout.trim()).toBe("");
  });

  it("publishes discovery metadata and keys", async () => {
    const metadata = await api("/.well-known/openid-configuration");
    expect(metadata.status).toBe(200);
    expect(metadata.json).toMatchObject({
      issuer: gateway,
      token_endpoint: `${gateway}/oauth2/token`,
      authorization_endpoint: `${gateway}/oauth2/authorize`,
      jwks_uri: `${gateway}/.well-known/jwks.json`,
      code_challenge_methods_supported: ["S256"],
    });
    const jwks = await api("/.well-known/jwks.json");
    expect(jwks.json.keys.length).toBeGreaterThan(0);
    for (const key of jwks.json.keys) expect(key).not.toHaveProperty("d");
  });

  it("writes no password, secret, code or token to its logs", () => {
    const logs = `${system.stdout}\n${system.stderr}`;
    expect(secrets.size).toBeGreaterThan(8);
    for (const secret of secrets) expect(logs.includes(secret), "a secret in the logs").toBe(false);
    // Nor any JWT at all (access tokens, internal credentials): they all start with a JSON header.
    expect(logs).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}/);
    // The flow did log: an empty log would pass the scan for the wrong reason.
    expect(logs.split("\n").length).toBeGreaterThan(5);
  });
});

function runLogin(email: string, input: string) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, ["--import", "tsx", "functions/tools/login.ts", email], {
      cwd: REPO_ROOT,
      env: { ...process.env, SLIPWAY_URL: gateway },
      stdio: ["pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
      stdout += chunk;
    });
    child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
      stderr += chunk;
    });
    child.stdin.end(input);
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}
