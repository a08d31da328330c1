import SwaggerParser from "@apidevtools/swagger-parser";
import { beforeAll, describe, expect, it } from "vitest";
import { OAUTH_PATHS } from "./openapi.js";
import { gatewayWith, testGatewayConfig } from "./testing.js";

interface Operation {
  operationId?: string;
  security?: Record<string, string[]>[];
  responses?: Record<string, { content?: Record<string, unknown>; headers?: object }>;
}

interface RequestBodyDoc {
  content?: Record<string, { schema?: { type?: string; additionalProperties?: unknown } }>;
}

interface ParameterDoc {
  name: string;
  in: string;
  schema?: Record<string, unknown>;
}

interface OAuthFlow {
  authorizationUrl?: string;
  tokenUrl: string;
  scopes: Record<string, string>;
  "x-usePkce"?: string;
}

interface OpenApiDocument {
  openapi: string;
  info: { title: string; version: string };
  paths: Record<string, Record<string, Operation>>;
}

interface SecuritySchemes {
  components: {
    securitySchemes: Record<string, { type: string; flows: Record<string, OAuthFlow | undefined> }>;
  };
}

const NOT_DOCUMENTED = [
  /^\/openapi\.json$/,
  /^\/docs$/,
  /^\/health\//,
  // Identity's OAuth endpoints, relayed: described by the security scheme, not as operations.
  ...OAUTH_PATHS.map((path) => new RegExp(`^${path.replace(/\./g, "\\.")}$`)),
];

// The document describes routes only; no request reaches a service.
const app = gatewayWith(() => Promise.reject(new Error("no catalog in this test")));

/** Every route a client can call, as `METHOD /path/{param}`, from the app's own router. */
function gatewayRoutes(): string[] {
  const routes = app.routes
    .filter((route) => route.method !== "ALL")
    .filter((route) => !NOT_DOCUMENTED.some((pattern) => pattern.test(route.path)))
    .map((route) => `${route.method} ${route.path.replace(/:(\w+)/g, "{$1}")}`);
  return [...new Set(routes)].sort();
}

describe("OpenAPI document", () => {
  let document: OpenApiDocument;

  beforeAll(async () => {
    const response = await app.request("/openapi.json");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^application\/json/);
    document = (await response.json()) as OpenApiDocument;
  });

  const operations = () =>
    Object.entries(document.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, operation]) => ({ path, method, operation })),
    );

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(document.openapi).toMatch(/^3\.1\./);
    await expect(SwaggerParser.validate(structuredClone(document))).resolves.toBeDefined();
  });

  it("documents every route of the gateway, and no others", () => {
    const routes = gatewayRoutes();
    expect(routes).toEqual(
      expect.arrayContaining([
        "GET /v1/products",
        "POST /v1/products",
        "GET /v1/products/{id}",
        "PATCH /v1/products/{id}",
        "POST /v1/products/{id}/stock",
        "POST /v1/users",
        "GET /v1/me",
        "POST /v1/orders",
        "GET /v1/orders",
        "GET /v1/orders/{id}",
        "POST /v1/orders/{id}/cancel",
      ]),
    );
    const documented = operations().map(({ path, method }) => `${method.toUpperCase()} ${path}`);
    expect(documented.sort()).toEqual(routes);
  });

  it("gives every operation a unique operationId", () => {
    const ids = operations().map(({ operation }) => operation.operationId);
    for (const id of ids) expect(id).toMatch(/^[a-z][A-Za-z]+$/);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it("documents a problem+json 4xx answer on every operation", () => {
    for (const { path, method, operation } of operations()) {
      const problems = Object.entries(operation.responses ?? {}).filter(
        ([status, response]) =>
          /^4\d\d$/.test(status) && response.content?.["application/problem+json"] !== undefined,
      );
      expect(problems.length, `${method} ${path}`).toBeGreaterThan(0);
    }
  });

  it("declares the path parameter of every templated path", () => {
    for (const { path, method, operation } of operations()) {
      const templated = [...path.matchAll(/\{(\w+)\}/g)].map((match) => match[1]);
      const parameters = (operation as { parameters?: ParameterDoc[] }).parameters;
      const inPath = (parameters ?? []).filter((p) => p.in === "path").map((p) => p.name);
      expect(inPath.sort(), `${method} ${path}`).toEqual(templated.sort());
    }
  });

  it("documents JSON request bodies that refuse unknown fields", () => {
    // Cancelling an order is a POST that takes no body.
    const bodiless = ["cancelOrder"];
    const withBody = operations().filter(
      ({ method, operation }) =>
        (method === "post" || method === "patch") &&
        !bodiless.includes(operation.operationId ?? ""),
    );
    expect(withBody).toHaveLength(5);
    for (const { path, method, operation } of withBody) {
      const body = (operation as { requestBody?: RequestBodyDoc }).requestBody;
      const schema = body?.content?.["application/json"]?.schema;
      expect(schema?.type, `${method} ${path}`).toBe("object");
      expect(schema?.additionalProperties, `${method} ${path}`).toBe(false);
    }
  });

  // `limit` arrives as a string and is parsed; the document must describe the number it becomes
  // (no string default, no pattern meant for the text).
  it.each(["/v1/products", "/v1/orders"])(
    "documents limit of %s as an integer between 1 and 100",
    (path) => {
      const list = document.paths[path]?.get as { parameters?: ParameterDoc[] };
      const limit = list.parameters?.find((parameter) => parameter.name === "limit");
      expect(limit?.schema).toEqual({ type: "integer", minimum: 1, maximum: 100 });
    },
  );

  it("documents the Idempotency-Key header of placing an order", () => {
    const place = document.paths["/v1/orders"]?.post as Operation & { parameters?: ParameterDoc[] };
    const header = place.parameters?.find((parameter) => parameter.in === "header");
    expect(header?.name.toLowerCase()).toBe("idempotency-key");
    expect(header).not.toHaveProperty("required", true);
    expect(Object.keys(place.responses ?? {})).toEqual(expect.arrayContaining(["201", "422"]));
  });

  it("describes OAuth 2.0: authorization code with PKCE and client credentials, at the issuer", () => {
    const { securitySchemes } = (document as unknown as SecuritySchemes).components;
    const issuer = testGatewayConfig.TOKEN_ISSUER;
    expect(securitySchemes.oauth2?.type).toBe("oauth2");
    const flows = securitySchemes.oauth2?.flows ?? {};
    expect(flows.authorizationCode).toMatchObject({
      authorizationUrl: `${issuer}/oauth2/authorize`,
      tokenUrl: `${issuer}/oauth2/token`,
      "x-usePkce": "SHA-256",
    });
    expect(flows.clientCredentials?.tokenUrl).toBe(`${issuer}/oauth2/token`);
    for (const flow of Object.values(flows)) {
      expect(Object.keys(flow?.scopes ?? {}).sort()).toEqual(
        ["catalog:write", "orders:read", "orders:write", "profile"].sort(),
      );
    }
  });

  it("says which operations are public and which scopes the others need", () => {
    const security = Object.fromEntries(
      operations().map(({ operation }) => [operation.operationId, operation.security]),
    );
    const admin = [{ oauth2: ["catalog:write"] }];
    expect(security).toEqual({
      listProducts: [],
      getProduct: [],
      createProduct: admin,
      updateProduct: admin,
      adjustStock: admin,
      registerUser: [],
      getMe: [{ oauth2: ["profile"] }],
      placeOrder: [{ oauth2: ["orders:write"] }],
      listOrders: [{ oauth2: ["orders:read"] }],
      getOrder: [{ oauth2: ["orders:read"] }],
      cancelOrder: [{ oauth2: ["orders:write"] }],
    });
  });

  it("documents 401 and 403 with their challenge on every operation that needs a token", () => {
    const secured = operations().filter(({ operation }) => operation.security?.length);
    expect(secured.length).toBeGreaterThan(0);
    for (const { path, method, operation } of secured) {
      for (const status of ["401", "403"]) {
        const response = operation.responses?.[status];
        expect(response?.content?.["application/problem+json"], `${method} ${path}`).toBeDefined();
        expect(response?.headers, `${method} ${path}`).toHaveProperty("WWW-Authenticate");
      }
    }
  });

  it("serves an interactive reference at /docs", async () => {
    const response = await app.request("/docs");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/html/);
    expect(await response.text()).toContain("/openapi.json");
  });
});
