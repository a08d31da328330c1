/**
 * GET and POST /oauth2/authorize: the sign-in page for an authorization request, and the
 * form post that checks the password and sends the user back to the client with a code.
 * The POST checks the request again from scratch; the form carries nothing we trust.
 */
import type { Context } from "hono";
import type { OAuthDeps } from "../deps.js";
import { OAuthError } from "../oauth-error.js";
import { type Params, parseUrlEncoded, readFormBody } from "../params.js";
import { checkRateLimit, loginKey, recordFailure } from "../rate-limit.js";
import { formatScope } from "../scopes.js";
import { issueAuthorizationCode } from "./authorization-codes.js";
import {
  type AuthorizeRequest,
  checkAuthorizeRequest,
  errorRedirect,
  redirectTo,
} from "./authorize-request.js";
import { checkCredentials, normalizeLoginEmail } from "./credentials.js";
import { errorPage, htmlResponse, loginPage, loginPagePolicy } from "./pages.js";

export function authorizePage({ db, config }: OAuthDeps) {
  return async (c: Context): Promise<Response> => {
    const params = await readParams(() => parseUrlEncoded(new URL(c.req.url).search.slice(1)));
    if (params instanceof Response) return params;
    const check = await checkAuthorizeRequest(db, params);
    if (check.kind === "no-redirect") return badRequest(check.message);
    if (check.kind === "redirect") return redirect(errorRedirect(check, config.TOKEN_ISSUER), 302);
    return formResponse(check.request, 200);
  };
}

export function authorizeSubmit({ db, config }: OAuthDeps) {
  return async (c: Context): Promise<Response> => {
    const params = await readParams(() => readFormBody(c.req.raw));
    if (params instanceof Response) return params;
    const check = await checkAuthorizeRequest(db, params);
    if (check.kind === "no-redirect") return badRequest(check.message);
    // 303 after a POST: the browser follows it with a GET.
    if (check.kind === "redirect") return redirect(errorRedirect(check, config.TOKEN_ISSUER), 303);
    const { request } = check;

    let email: string | undefined;
    let password: string | undefined;
    try {
      email = params.one("email");
      password = params.one("password");
    } catch {
      return formResponse(request, 400, { error: "Enter your email and password once." });
    }
    if (email === undefined || password === undefined) {
      return formResponse(request, 400, { email, error: "Enter your email and password." });
    }

    const key = loginKey(normalizeLoginEmail(email));
    const limit = await checkRateLimit(db, key);
    if (limit.limited) {
      const seconds = limit.retryAfterSeconds;
      return formResponse(
        request,
        429,
        {
          email,
          error: `Too many failed sign-ins for this account. Try again in ${seconds} second${seconds === 1 ? "" : "s"}.`,
        },
        { "retry-after": String(seconds) },
      );
    }
    const user = await checkCredentials(db, email, password);
    if (!user) {
      await recordFailure(db, key);
      return formResponse(request, 401, { email, error: "Invalid email or password" });
    }
    const code = await issueAuthorizationCode(db, {
      clientId: request.client.clientId,
      userId: user.id,
      redirectUri: request.redirectUri,
      codeChallenge: request.codeChallenge,
      scope: formatScope(request.scopes),
    });
    return redirect(
      redirectTo(request.redirectUri, { code, state: request.state, iss: config.TOKEN_ISSUER }),
      303,
    );
  };
}

function formResponse(
  request: AuthorizeRequest,
  status: number,
  shown: { email?: string; error?: string } = {},
  headers: Record<string, string> = {},
): Response {
  const html = loginPage({ clientName: request.client.name, hidden: request.hidden, ...shown });
  return htmlResponse(html, status, { ...loginPagePolicy(request.redirectUri), ...headers });
}

/** The parameters, or the page that says they could not be read. */
async function readParams(read: () => Params | Promise<Params>): Promise<Params | Response> {
  try {
    return await read();
  } catch (error) {
    if (!(error instanceof OAuthError)) throw error;
    return badRequest("The request could not be read.");
  }
}

const badRequest = (message: string) =>
  htmlResponse(errorPage("This sign-in request cannot be used", message), 400);

function redirect(location: string, status: 302 | 303): Response {
  // The location may carry a code: keep it out of caches and of the next page's Referer.
  return new Response(null, {
    status,
    headers: { location, "cache-control": "no-store", "referrer-policy": "no-referrer" },
  });
}
