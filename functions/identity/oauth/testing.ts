/**
 * Test helpers for the authorization server: clients and users made for one test, PKCE pairs,
 * and the steps of the code flow driven through the identity app in process.
 *
 * @example
 * const identity = useIdentity(kind);
 * const client = await testClient(identity.db, { public: true });
 * const user = await testUser(identity);
 * const tokens = await signInWithCode(identity.app, client, user);
 */
import { createHash, randomBytes } from "node:crypto";
import type { Hono } from "hono";
import type { Scope } from "../../platform/auth/scopes.js";
import type { IdentityDb } from "../db/open.js";
import { type IdentityUnderTest, uniqueEmail } from "../testing.js";
import { type GrantType, newClientSecret, registerClient } from "./clients/clients.js";

export const TEST_REDIRECT_URI = "https://app.example.com/callback";
export const TEST_PASSWORD = "correct horse battery staple";

export interface TestClient {
  clientId: string;
  secret: string | undefined;
  redirectUri: string;
}

let clientCounter = 0;

/** A client of its own for one test (rate limits count per client). */
export async function testClient(
  db: IdentityDb,
  options: {
    public?: boolean;
    grantTypes?: GrantType[];
    scopes?: Scope[];
    redirectUris?: string[];
  } = {},
): Promise<TestClient> {
  clientCounter += 1;
  const clientId = `test-client-${process.pid}-${clientCounter}`;
  const secret = options.public ? undefined : newClientSecret();
  const redirectUris = options.redirectUris ?? [TEST_REDIRECT_URI];
  await registerClient(db, {
    clientId,
    name: `Test client ${clientCounter}`,
    grantTypes: options.grantTypes ?? [
      "authorization_code",
      "refresh_token",
      ...(options.public ? [] : (["client_credentials"] as const)),
    ],
    scopes: options.scopes ?? ["profile", "orders:read", "orders:write"],
    redirectUris,
    secret,
  });
  return { clientId, secret, redirectUri: redirectUris[0] ?? TEST_REDIRECT_URI };
}

export interface TestUser {
  id: string;
  email: string;
  password: string;
}

/** Registers a user through the RPC (scrypt is slow: make few, share them across tests). */
export async function testUser(identity: IdentityUnderTest): Promise<TestUser> {
  const email = uniqueEmail("oauth");
  const { user } = await identity.client.registerUser({
    email,
    password: TEST_PASSWORD,
    displayName: "OAuth Tester",
  });
  return { id: user?.id ?? "", email, password: TEST_PASSWORD };
}

export function pkcePair(): { verifier: string; challenge: string } {
  const verifier = randomBytes(32).toString("base64url");
  const challenge = createHash("sha256").update(verifier).digest("base64url");
  return { verifier, challenge };
}

export const form = (values: Record<string, string | undefined>) =>
  new URLSearchParams(
    Object.entries(values).filter((entry): entry is [string, string] => entry[1] !== undefined),
  ).toString();

export const FORM_HEADERS = { "content-type": "application/x-www-form-urlencoded" };

export interface AuthorizeParams {
  client: TestClient;
  challenge: string;
  state?: string;
  scope?: string;
}

export function authorizeQuery({ client, challenge, state = "xyz", scope }: AuthorizeParams) {
  return {
    response_type: "code",
    client_id: client.clientId,
    redirect_uri: client.redirectUri,
    code_challenge: challenge,
    code_challenge_method: "S256",
    state,
    scope,
  };
}

/** POSTs the sign-in form as a browser would; returns the raw answer. */
export async function submitLogin(
  app: Hono,
  params: AuthorizeParams,
  credentials: { email: string; password: string },
): Promise<Response> {
  return await app.request("/oauth2/authorize", {
    method: "POST",
    headers: FORM_HEADERS,
    body: form({ ...authorizeQuery(params), ...credentials }),
  });
}

/** Signs in and returns the code from the redirect. */
export async function authorizationCode(
  app: Hono,
  params: AuthorizeParams,
  user: { email: string; password: string },
): Promise<string> {
  const response = await submitLogin(app, params, user);
  if (response.status !== 303) throw new Error(`sign-in answered ${response.status}`);
  const code = new URL(response.headers.get("location") ?? "").searchParams.get("code");
  if (!code) throw new Error("no code in the redirect");
  return code;
}

export interface TokenAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

export async function tokenRequest(
  app: Hono,
  values: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): Promise<TokenAnswer> {
  const response = await app.request("/oauth2/token", {
    method: "POST",
    headers: { ...FORM_HEADERS, ...headers },
    body: form(values),
  });
  return {
    status: response.status,
    headers: response.headers,
    body: (await response.json()) as Record<string, unknown>,
  };
}

/** `Authorization: Basic …` with id and secret form-encoded first (RFC 6749 §2.3.1). */
export function basicAuth(clientId: string, secret: string): Record<string, string> {
  const encode = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);
  const credentials = Buffer.from(`${encode(clientId)}:${encode(secret)}`).toString("base64");
  return { authorization: `Basic ${credentials}` };
}

/** The whole code flow: sign in, exchange the code; returns the token response body. */
export async function signInWithCode(
  app: Hono,
  client: TestClient,
  user: { email: string; password: string },
  scope?: string,
): Promise<TokenAnswer> {
  const { verifier, challenge } = pkcePair();
  const code = await authorizationCode(app, { client, challenge, scope }, user);
  return tokenRequest(app, {
    grant_type: "authorization_code",
    code,
    redirect_uri: client.redirectUri,
    code_verifier: verifier,
    client_id: client.clientId,
    client_secret: client.secret,
  });
}
