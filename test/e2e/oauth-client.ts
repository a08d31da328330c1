/**
 * A plain-HTTP OAuth client for end-to-end tests, as a third-party app would be: it reads the
 * login form's HTML, posts it, follows nothing automatically, and speaks RFC 6749 at the token
 * endpoint. Nothing here imports slipway code, so the tests check the wire, not our types.
 *
 * @example
 * const admin = await adminToken(gateway, dataDir);           // client_credentials
 * const tokens = await logIn(gateway, { email, password });   // authorization_code + PKCE
 * const next = await refresh(gateway, tokens.refresh_token);
 */
import { createHash, randomBytes } from "node:crypto";
import { readFile } from "node:fs/promises";
import { join } from "node:path";

export const CLI_CLIENT = "slipway-cli";
export const CLI_REDIRECT = "http://127.0.0.1/callback";

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  scope: string;
  refresh_token?: string;
}

export interface TokenAnswer {
  status: number;
  headers: Headers;
  json: Record<string, unknown>;
}

/** POSTs a form to the token endpoint; `basic` authenticates the client with HTTP Basic. */
export async function tokenRequest(
  base: string,
  form: Record<string, string>,
  basic?: { id: string; secret: string },
): Promise<TokenAnswer> {
  const headers: Record<string, string> = {
    "content-type": "application/x-www-form-urlencoded",
  };
  if (basic) {
    const pair = `${encodeURIComponent(basic.id)}:${encodeURIComponent(basic.secret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString("base64")}`;
  }
  const response = await fetch(`${base}/oauth2/token`, {
    method: "POST",
    headers,
    body: new URLSearchParams(form),
  });
  return { status: response.status, headers: response.headers, json: await response.json() };
}

/** A token of the admin client `npm start` seeds, read from the secret it keeps in DATA_DIR. */
export async function adminToken(base: string, dataDir: string): Promise<string> {
  const secret = (await readFile(join(dataDir, "admin-client-secret"), "utf8")).trim();
  const answer = await tokenRequest(
    base,
    { grant_type: "client_credentials", scope: "catalog:write" },
    { id: "slipway-admin", secret },
  );
  if (answer.status !== 200) throw new Error(`admin token: ${JSON.stringify(answer.json)}`);
  return answer.json.access_token as string;
}

export interface Pkce {
  verifier: string;
  challenge: string;
}

export function newPkce(): Pkce {
  const verifier = randomBytes(32).toString("base64url");
  return { verifier, challenge: createHash("sha256").update(verifier).digest("base64url") };
}

export interface LoginForm {
  action: string;
  fields: Record<string, string>;
}

/** GET /oauth2/authorize for the CLI client; the login page's form, or throws. */
export async function openLoginForm(base: string, pkce: Pkce, state: string): Promise<LoginForm> {
  const query = new URLSearchParams({
    response_type: "code",
    client_id: CLI_CLIENT,
    redirect_uri: CLI_REDIRECT,
    code_challenge: pkce.challenge,
    code_challenge_method: "S256",
    scope: "profile orders:read orders:write",
    state,
  });
  const response = await fetch(`${base}/oauth2/authorize?${query}`, { redirect: "manual" });
  const html = await response.text();
  if (response.status !== 200) throw new Error(`authorize page: ${response.status} ${html}`);
  return parseForm(html, `${base}/oauth2/authorize`);
}

/** Posts the login form with an email and password; the raw answer (303 on success). */
export function submitLogin(form: LoginForm, email: string, password: string) {
  return fetch(form.action, {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...form.fields, email, password }),
    redirect: "manual",
  });
}

/** The whole authorization-code flow with PKCE; the token response. */
export async function logIn(
  base: string,
  user: { email: string; password: string },
): Promise<TokenResponse> {
  const pkce = newPkce();
  const state = randomBytes(8).toString("hex");
  const form = await openLoginForm(base, pkce, state);
  const answer = await submitLogin(form, user.email, user.password);
  if (answer.status !== 303) throw new Error(`login: ${answer.status} ${await answer.text()}`);
  const location = new URL(answer.headers.get("location") ?? "");
  if (location.searchParams.get("state") !== state) throw new Error("login: state lost");
  const code = location.searchParams.get("code") ?? "";
  const tokens = await tokenRequest(base, {
    grant_type: "authorization_code",
    code,
    redirect_uri: CLI_REDIRECT,
    client_id: CLI_CLIENT,
    code_verifier: pkce.verifier,
  });
  if (tokens.status !== 200) throw new Error(`code exchange: ${JSON.stringify(tokens.json)}`);
  return tokens.json as unknown as TokenResponse;
}

export function refresh(base: string, refreshToken: string): Promise<TokenAnswer> {
  return tokenRequest(base, {
    grant_type: "refresh_token",
    refresh_token: refreshToken,
    client_id: CLI_CLIENT,
  });
}

/**
 * The first form of a page: its absolute action and every input that has a value (hidden
 * fields carry the authorization request). Enough HTML parsing for a page we expect to be
 * simple; a page it cannot read fails the test, which is the point.
 */
export function parseForm(html: string, pageUrl: string): LoginForm {
  const form = /<form\b([^>]*)>([\s\S]*?)<\/form>/i.exec(html);
  if (!form) throw new Error(`no form in the page:\n${html}`);
  const action = attribute(form[1] ?? "", "action") ?? pageUrl;
  const fields: Record<string, string> = {};
  for (const input of (form[2] ?? "").matchAll(/<input\b([^>]*)>/gi)) {
    const name = attribute(input[1] ?? "", "name");
    const value = attribute(input[1] ?? "", "value");
    if (name !== undefined && value !== undefined) fields[name] = value;
  }
  return { action: new URL(action, pageUrl).toString(), fields };
}

function attribute(tag: string, name: string): string | undefined {
  const match = new RegExp(`\\b${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`, "i").exec(tag);
  const raw = match?.[1] ?? match?.[2];
  return raw === undefined ? undefined : unescapeHtml(raw);
}

function unescapeHtml(text: string): string {
  return text
    .replace(/&#(\d+);/g, (_, code: string) => String.fromCodePoint(Number(code)))
    .replace(/&#x([0-9a-f]+);/gi, (_, code: string) =>
      String.fromCodePoint(Number.parseInt(code, 16)),
    )
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&");
}
