// Identity's OAuth endpoints relayed by the gateway, against a stand-in identity that records
// what reaches it and answers what a test tells it to.
import { describe, expect, it } from "vitest";
import {
  gatewayWith,
  problemDefect,
  TEST_BODY_LIMIT_BYTES,
  testGatewayConfig,
} from "../testing.js";

interface Received {
  method: string;
  url: string;
  headers: Headers;
  body: string;
}

/** A stand-in identity: records each request, answers with `answer`. */
function standIn(answer: (request: Request) => Response | Promise<Response>) {
  const received: Received[] = [];
  const fetch: typeof globalThis.fetch = async (input, init) => {
    const request = new Request(input, init);
    received.push({
      method: request.method,
      url: request.url,
      headers: request.headers,
      body: await request.text(),
    });
    return answer(request);
  };
  const gateway = gatewayWith(
    () => Promise.reject(new Error("no catalog here")),
    {},
    { upstreams: { identity: fetch } },
  );
  return { gateway, received };
}

const HTML_HEADERS = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy": "default-src 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-frame-options": "DENY",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
  "referrer-policy": "no-referrer",
};

const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();

describe("identity's endpoints at the gateway", () => {
  it("relays the sign-in page: path, query and headers that matter, both ways", async () => {
    const { gateway, received } = standIn(
      () =>
        new Response("<form>sign in</form>", {
          status: 200,
          headers: {
            ...HTML_HEADERS,
            // Hop-by-hop, or ours to set: none of these may come through.
            connection: "keep-alive, x-secret",
            "keep-alive": "timeout=5",
            "x-secret": "1",
            "set-cookie": "session=abc",
            server: "identity/1.0",
            "x-powered-by": "hono",
          },
        }),
    );
    const query = "?response_type=code&client_id=web&state=a%20b&scope=profile+orders%3Aread";
    const response = await gateway.request(`/oauth2/authorize${query}`, {
      headers: {
        accept: "text/html",
        connection: "keep-alive, x-hop",
        "x-hop": "1",
        te: "trailers",
        upgrade: "h2c",
        "proxy-authorization": "Basic eA==",
        cookie: "tracking=1",
        "x-forwarded-for": "10.0.0.1",
      },
    });

    expect(response.status).toBe(200);
    expect(await response.text()).toBe("<form>sign in</form>");
    for (const [name, value] of Object.entries(HTML_HEADERS)) {
      expect(response.headers.get(name), name).toBe(value);
    }
    for (const name of [
      "connection",
      "keep-alive",
      "x-secret",
      "set-cookie",
      "server",
      "x-powered-by",
    ]) {
      expect(response.headers.has(name), name).toBe(false);
    }

    const [request] = received;
    expect(request?.method).toBe("GET");
    expect(request?.url).toBe(`${testGatewayConfig.IDENTITY_URL}/oauth2/authorize${query}`);
    expect(request?.headers.get("accept")).toBe("text/html");
    for (const name of [
      "connection",
      "x-hop",
      "te",
      "upgrade",
      "proxy-authorization",
      "cookie",
      "x-forwarded-for",
    ]) {
      expect(request?.headers.has(name), name).toBe(false);
    }
  });

  it("relays the sign-in form's post and hands back identity's redirect, unfollowed", async () => {
    const location = "https://app.example/callback?code=c0de&state=xyz";
    const { gateway, received } = standIn(
      () => new Response(null, { status: 303, headers: { location, "cache-control": "no-store" } }),
    );
    const body = form({ email: "ada@example.com", password: "correct horse", state: "xyz" });
    const response = await gateway.request("/oauth2/authorize", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body,
    });
    expect(response.status).toBe(303);
    expect(response.headers.get("location")).toBe(location);
    expect(received).toHaveLength(1);
    expect(received[0]).toMatchObject({ method: "POST", body });
    expect(received[0]?.headers.get("content-type")).toBe("application/x-www-form-urlencoded");
  });

  it("relays the token endpoint: client authentication, form body, and every kind of answer", async () => {
    const answers = [
      Response.json(
        { access_token: "eyJ.x.y", token_type: "Bearer", expires_in: 900 },
        { headers: { "cache-control": "no-store", pragma: "no-cache" } },
      ),
      Response.json(
        { error: "invalid_client" },
        { status: 401, headers: { "www-authenticate": 'Basic realm="slipway"' } },
      ),
      Response.json({ error: "invalid_grant" }, { status: 400 }),
      Response.json({ error: "slow_down" }, { status: 429, headers: { "retry-after": "30" } }),
    ];
    const { gateway, received } = standIn(
      () => answers.shift() ?? new Response(null, { status: 500 }),
    );
    const send = () =>
      gateway.request("/oauth2/token", {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          accept: "application/json",
          authorization: "Basic d2ViOnNlY3JldA==",
        },
        body: form({ grant_type: "client_credentials", scope: "catalog:write" }),
      });

    const ok = await send();
    expect(ok.status).toBe(200);
    expect(ok.headers.get("cache-control")).toBe("no-store");
    expect(ok.headers.get("pragma")).toBe("no-cache");
    expect(ok.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await ok.json()).toEqual({
      access_token: "eyJ.x.y",
      token_type: "Bearer",
      expires_in: 900,
    });

    const unauthorized = await send();
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("www-authenticate")).toBe('Basic realm="slipway"');
    expect(await unauthorized.json()).toEqual({ error: "invalid_client" });

    const invalid = await send();
    expect(invalid.status).toBe(400);
    expect(await invalid.json()).toEqual({ error: "invalid_grant" });

    const limited = await send();
    expect(limited.status).toBe(429);
    expect(limited.headers.get("retry-after")).toBe("30");

    const [first] = received;
    expect(first?.url).toBe(`${testGatewayConfig.IDENTITY_URL}/oauth2/token`);
    expect(first?.headers.get("authorization")).toBe("Basic d2ViOnNlY3JldA==");
    expect(first?.headers.get("accept")).toBe("application/json");
    expect(first?.body).toBe("grant_type=client_credentials&scope=catalog%3Awrite");
  });

  it("relays the discovery document", async () => {
    const metadata = { issuer: testGatewayConfig.TOKEN_ISSUER, token_endpoint: "x" };
    const { gateway, received } = standIn(() => Response.json(metadata));
    const response = await gateway.request("/.well-known/openid-configuration");
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual(metadata);
    expect(received[0]?.url).toBe(
      `${testGatewayConfig.IDENTITY_URL}/.well-known/openid-configuration`,
    );
  });

  it.each([
    ["with its length declared", true],
    ["streamed without a length", false],
  ])("answers a body over the limit %s with 413, never passing it on", async (_name, declared) => {
    const { gateway, received } = standIn(() => new Response("ok"));
    const bytes = new TextEncoder().encode(`code=${"x".repeat(TEST_BODY_LIMIT_BYTES)}`);
    const headers: Record<string, string> = {
      "content-type": "application/x-www-form-urlencoded",
    };
    if (declared) headers["content-length"] = String(bytes.byteLength);
    const body = declared
      ? bytes
      : new ReadableStream({
          start(controller) {
            controller.enqueue(bytes);
            controller.close();
          },
        });
    const init = { method: "POST", headers, body, duplex: "half" };
    const response = await gateway.request("/oauth2/token", init as RequestInit);
    expect(response.status).toBe(413);
    expect(problemDefect(await response.json(), 413, "/oauth2/token")).toBeUndefined();
    expect(received).toHaveLength(0);
  });

  it("answers other methods with 405 and Allow", async () => {
    const { gateway, received } = standIn(() => new Response("ok"));
    for (const [method, path, allow] of [
      ["GET", "/oauth2/token", "POST"],
      ["DELETE", "/oauth2/authorize", "GET, POST"],
      ["POST", "/.well-known/jwks.json", "GET"],
    ] as const) {
      const response = await gateway.request(path, { method });
      expect(response.status, `${method} ${path}`).toBe(405);
      expect(response.headers.get("allow")).toBe(allow);
    }
    expect(received).toHaveLength(0);
  });
});

describe("identity failing behind the gateway", () => {
  const internals = /identity\.test|ECONNREFUSED|oops|stack|Error/;

  async function expectProblem(response: Response, status: number) {
    const text = await response.text();
    expect(response.status, text).toBe(status);
    expect(response.headers.get("content-type")).toBe("application/problem+json");
    expect(problemDefect(JSON.parse(text), status, "/oauth2/token")).toBeUndefined();
    expect(text).not.toMatch(internals);
  }

  const token = (gateway: ReturnType<typeof gatewayWith>) =>
    gateway.request("/oauth2/token", {
      method: "POST",
      headers: { "content-type": "application/x-www-form-urlencoded" },
      body: "grant_type=client_credentials",
    });

  it("answers 503 when identity cannot be reached", async () => {
    const refused = Object.assign(new Error("connect ECONNREFUSED 127.0.0.1:3001"), {
      code: "ECONNREFUSED",
    });
    const gateway = gatewayWith(() =>
      Promise.reject(new TypeError("fetch failed", { cause: refused })),
    );
    await expectProblem(await token(gateway), 503);
  });

  it("answers 504 when identity does not answer in time", async () => {
    const hanging: typeof fetch = (_input, init) =>
      new Promise((_resolve, reject) => {
        init?.signal?.addEventListener("abort", () => reject(init.signal?.reason));
      });
    const gateway = gatewayWith(hanging, { RPC_TIMEOUT_MS: 50 });
    await expectProblem(await token(gateway), 504);
  });

  it("answers 502 when identity fails, without its answer", async () => {
    const gateway = gatewayWith(async () => new Response("oops: stack at x", { status: 500 }));
    await expectProblem(await token(gateway), 502);
  });

  it("keeps Retry-After when identity says it is unavailable", async () => {
    const gateway = gatewayWith(
      async () => new Response("oops", { status: 503, headers: { "retry-after": "7" } }),
    );
    const response = await token(gateway);
    expect(response.headers.get("retry-after")).toBe("7");
    await expectProblem(response, 503);
  });

  it("answers 502 when identity breaks off its answer", async () => {
    const gateway = gatewayWith(
      async () =>
        new Response(
          new ReadableStream({
            start(controller) {
              controller.enqueue(new TextEncoder().encode('{"access_'));
              controller.error(new Error("socket hang up"));
            },
          }),
          { status: 200, headers: { "content-type": "application/json" } },
        ),
    );
    await expectProblem(await token(gateway), 502);
  });
});
