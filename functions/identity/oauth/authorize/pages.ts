/**
 * The HTML of the authorization endpoint: the sign-in form and the error page shown when the
 * client cannot be redirected to. Self-contained (no script, no external resource) and sent
 * with headers that forbid framing, caching and anything but a post to ourselves. Every value
 * that came from a request is escaped.
 *
 * @example
 * return htmlResponse(loginPage({ clientName, hidden, email, error: "Invalid email or password" }), 401);
 */

const CSP =
  "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'";

export const HTML_SECURITY_HEADERS = {
  "content-security-policy": CSP,
  "x-frame-options": "DENY",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
  "x-content-type-options": "nosniff",
} as const;

export function htmlResponse(
  html: string,
  status: number,
  headers: Record<string, string> = {},
): Response {
  return new Response(html, {
    status,
    headers: { "content-type": "text/html; charset=utf-8", ...HTML_SECURITY_HEADERS, ...headers },
  });
}

/**
 * The policy of the sign-in form's page. Chrome and Safari hold `form-action` against the
 * redirect that answers the form's post too (w3c/webappsec-csp#8), and that redirect goes to
 * the client; so the page also allows the origin of the request's own redirect URI — already
 * checked against the client's registration, and with its port for a loopback one.
 */
export function loginPagePolicy(redirectUri: string): Record<string, string> {
  return {
    "content-security-policy": CSP.replace(
      "form-action 'self'",
      `form-action 'self' ${new URL(redirectUri).origin}`,
    ),
  };
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => `&#${character.charCodeAt(0)};`);
}

export interface LoginPage {
  clientName: string;
  /** The authorization request, carried through the form as hidden fields. */
  hidden: Readonly<Record<string, string | undefined>>;
  /** What the user typed last time; the password never comes back. */
  email?: string | undefined;
  error?: string | undefined;
}

export function loginPage({ clientName, hidden, email = "", error }: LoginPage): string {
  const fields = Object.entries(hidden)
    .filter((entry): entry is [string, string] => entry[1] !== undefined)
    .map(
      ([name, value]) =>
        `<input type="hidden" name="${escapeHtml(name)}" value="${escapeHtml(value)}">`,
    )
    .join("\n      ");
  const alert = error ? `<p class="error" id="error" role="alert">${escapeHtml(error)}</p>` : "";
  const described = error ? ' aria-describedby="error"' : "";
  return page(
    "Sign in",
    `<h1>Sign in</h1>
    <p>to continue to <strong>${escapeHtml(clientName)}</strong></p>
    ${alert}
    <form method="post" action="authorize">
      ${fields}
      <label for="email">Email</label>
      <input id="email" name="email" type="email" autocomplete="username" required maxlength="254" value="${escapeHtml(email)}"${described}${email ? "" : " autofocus"}>
      <label for="password">Password</label>
      <input id="password" name="password" type="password" autocomplete="current-password" required maxlength="1024"${described}${email ? " autofocus" : ""}>
      <button type="submit">Sign in</button>
    </form>`,
  );
}

export function errorPage(title: string, message: string): string {
  return page(title, `<h1>${escapeHtml(title)}</h1>\n    <p>${escapeHtml(message)}</p>`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>${escapeHtml(title)} · slipway</title>
  <style>
    body { font: 16px/1.5 system-ui, sans-serif; margin: 0; padding: 2rem 1rem; color: #111; background: #f6f6f6; }
    main { max-width: 22rem; margin: 0 auto; padding: 1.5rem; background: #fff; border-radius: 8px; }
    h1 { font-size: 1.5rem; margin: 0 0 .5rem; }
    label { display: block; margin-top: 1rem; font-weight: 600; }
    input { box-sizing: border-box; width: 100%; padding: .5rem; font: inherit; border: 1px solid #767676; border-radius: 4px; }
    button { margin-top: 1.5rem; width: 100%; padding: .6rem; font: inherit; font-weight: 600; color: #fff; background: #1f4fbf; border: 0; border-radius: 4px; }
    :focus-visible { outline: 3px solid #1f4fbf; outline-offset: 2px; }
    .error { color: #a0001b; font-weight: 600; }
  </style>
</head>
<body>
  <main>
    ${body}
  </main>
</body>
</html>
`;
}
