/**
 * `npm run login -- <email>`: signs a user in the way a native app does — authorization code
 * with PKCE as the public client `slipway-cli`, through the gateway at SLIPWAY_URL (default
 * http://127.0.0.1:3000) — and prints the access token on stdout, the refresh token and the
 * expiry on stderr. The password is asked for without echo on a terminal, or read from the
 * first line of stdin otherwise.
 *
 *   TOKEN=$(npm run --silent login -- demo@slipway.dev)     # password: .data/demo-password
 *   curl -H "authorization: Bearer $TOKEN" http://127.0.0.1:3000/v1/…
 */
import { createHash, randomBytes } from "node:crypto";
import * as v from "valibot";
import { ConfigError, httpUrl, loadConfig } from "../platform/config.js";

const CLIENT_ID = "slipway-cli";
// Registered as http://127.0.0.1/callback; nothing listens there, the code is read from the
// redirect itself.
const REDIRECT_URI = "http://127.0.0.1/callback";

const LoginConfig = v.object({
  SLIPWAY_URL: v.optional(httpUrl, "http://127.0.0.1:3000"),
});

const usage = "usage: npm run login -- <email>";

/** A refusal to tell the user about: printed alone, exit code 1. */
class LoginFailure extends Error {}

async function main(args: string[]): Promise<number> {
  const [email, ...rest] = args;
  if (!email || rest.length > 0 || email.startsWith("-")) {
    process.stderr.write(`${usage}\n`);
    return 2;
  }
  const base = loadConfig(LoginConfig).SLIPWAY_URL.replace(/\/+$/, "");
  const verifier = randomBytes(32).toString("base64url");
  const state = randomBytes(16).toString("base64url");
  const request = {
    response_type: "code",
    client_id: CLIENT_ID,
    redirect_uri: REDIRECT_URI,
    code_challenge: createHash("sha256").update(verifier).digest("base64url"),
    code_challenge_method: "S256",
    scope: "profile orders:read orders:write",
    state,
  };

  const page = await call(base, `/oauth2/authorize?${new URLSearchParams(request)}`, {});
  if (page.status !== 200) refused(page, "the sign-in page");

  const password = await readPassword(`Password for ${email}: `);
  if (password === "") throw new LoginFailure("no password given");
  const login = await call(base, "/oauth2/authorize", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ ...request, email, password }),
  });
  if (login.status === 401) throw new LoginFailure("wrong email or password");
  if (login.status === 429) {
    const seconds = login.headers.get("retry-after") ?? "a few";
    throw new LoginFailure(
      `too many failed sign-ins for this account; try again in ${seconds} seconds`,
    );
  }
  if (login.status !== 303) refused(login, "the sign-in");
  const redirect = new URL(login.headers.get("location") ?? "", REDIRECT_URI);
  const error = redirect.searchParams.get("error");
  if (error) {
    throw new LoginFailure(
      `sign-in refused: ${error} (${redirect.searchParams.get("error_description") ?? ""})`,
    );
  }
  if (redirect.searchParams.get("state") !== state) {
    throw new LoginFailure("the sign-in answered for another request (state differs)");
  }
  const code = redirect.searchParams.get("code");
  if (!code) throw new LoginFailure("the sign-in answered without a code");

  const exchange = await call(base, "/oauth2/token", {
    method: "POST",
    headers: { "content-type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({
      grant_type: "authorization_code",
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: CLIENT_ID,
    }),
  });
  const tokens = (await exchange.json().catch(() => ({}))) as Record<string, unknown>;
  if (exchange.status !== 200 || typeof tokens.access_token !== "string") {
    throw new LoginFailure(
      `the token exchange failed: ${String(tokens.error ?? exchange.status)} (${String(tokens.error_description ?? "")})`,
    );
  }
  const expiresIn = Number(tokens.expires_in);
  process.stdout.write(`${tokens.access_token}\n`);
  if (typeof tokens.refresh_token === "string") {
    process.stderr.write(`refresh token: ${tokens.refresh_token}\n`);
  }
  process.stderr.write(
    `scope: ${String(tokens.scope)}\nexpires in ${expiresIn} s (${new Date(Date.now() + expiresIn * 1000).toISOString()})\n`,
  );
  return 0;
}

async function call(base: string, path: string, init: RequestInit): Promise<Response> {
  try {
    return await fetch(`${base}${path}`, { ...init, redirect: "manual" });
  } catch (error) {
    const cause = (error as { cause?: { code?: string } }).cause;
    throw new LoginFailure(
      `cannot reach slipway at ${base} (${cause?.code ?? (error as Error).message}); is npm start running, or SLIPWAY_URL set?`,
    );
  }
}

function refused(response: Response, what: string): never {
  const location = response.headers.get("location");
  const error = location ? new URL(location, REDIRECT_URI).searchParams.get("error") : undefined;
  const hint =
    response.status === 400 ? "; is the slipway-cli client registered (npm start seeds it)?" : "";
  throw new LoginFailure(`${what} was refused: ${error ?? `HTTP ${response.status}`}${hint}`);
}

/** Asks on the terminal without echo; reads the first line of stdin when it is not a terminal. */
async function readPassword(prompt: string): Promise<string> {
  const stdin = process.stdin;
  if (!stdin.isTTY) {
    const chunks: Buffer[] = [];
    for await (const chunk of stdin) chunks.push(chunk as Buffer);
    return Buffer.concat(chunks).toString("utf8").split(/\r?\n/)[0] ?? "";
  }
  process.stderr.write(prompt);
  stdin.setRawMode(true);
  stdin.setEncoding("utf8");
  stdin.resume();
  return new Promise((resolve, reject) => {
    let typed = "";
    const finish = () => {
      stdin.off("data", onData);
      stdin.setRawMode(false);
      stdin.pause();
      process.stderr.write("\n");
    };
    const onData = (chunk: string) => {
      for (const character of chunk) {
        if (character === "\r" || character === "\n" || character === "\u0004") {
          finish();
          resolve(typed);
          return;
        }
        if (character === "\u0003") {
          finish();
          reject(new LoginFailure("cancelled"));
          return;
        }
        if (character === "\u007f" || character === "\b") typed = [...typed].slice(0, -1).join("");
        else typed += character;
      }
    };
    stdin.on("data", onData);
  });
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(
      error instanceof LoginFailure || error instanceof ConfigError
        ? `${error.message}\n`
        : `login failed: ${(error as Error).message}\n`,
    );
    process.exit(1);
  },
);
