// Checks the cloud resource graph without the `sst` CLI (it downloads Pulumi, so it cannot run in
// CI): sst.config.ts and infra/*.ts are evaluated against recording stand-ins of the SST globals,
// and the test asserts what was declared.
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";

type Args = Record<string, unknown>;

interface Recorded {
  type: string;
  name: string;
  args: Args;
  instance: object;
}

// Options each stand-in accepts, as named in the SST component docs, limited to the ones infra
// uses (keep in step with sst-globals.d.ts). `true` accepts any value; a list names the keys
// allowed when the value is a plain object.
type Allowed = Record<string, true | readonly string[]>;

const functionOptions: Allowed = {
  handler: true,
  runtime: true,
  architecture: true,
  memory: true,
  timeout: true,
  vpc: true,
  link: true,
  url: [],
  environment: true,
};

const allowedOptions: Record<string, Allowed> = {
  Vpc: { nat: true },
  Postgres: {
    vpc: true,
    proxy: true,
    dev: ["host", "port", "username", "password", "database"],
  },
  Function: functionOptions,
  ApiGatewayV2: {},
  "ApiGatewayV2.route": {},
  Secret: {},
};

const globalNames = ["$app", "$dev", "$config", "$interpolate", "sst"] as const;

function isPlainObject(value: unknown): value is Args {
  return (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

function checkOptions(type: string, name: string, args: Args, allowed: Allowed): void {
  for (const [key, value] of Object.entries(args)) {
    const rule = allowed[key];
    if (rule === undefined) {
      throw new Error(`${type} "${name}": option "${key}" is not in the stand-in's allowed list`);
    }
    if (rule !== true && isPlainObject(value)) {
      for (const nested of Object.keys(value)) {
        if (!rule.includes(nested)) {
          throw new Error(`${type} "${name}": option "${key}.${nested}" is not allowed`);
        }
      }
    }
  }
}

/** Puts recording stand-ins for the SST globals on globalThis; returns what gets declared. */
function installStandIns(stage: string, dev: boolean): Recorded[] {
  const resources: Recorded[] = [];
  const record = (type: string, name: string, args: Args | undefined, instance: object) => {
    const allowed = allowedOptions[type];
    if (allowed === undefined) throw new Error(`no stand-in rules for ${type}`);
    checkOptions(type, name, args ?? {}, allowed);
    resources.push({ type, name, args: args ?? {}, instance });
  };
  // Outputs are placeholder strings, so interpolations can be compared as plain text.
  const output = (name: string, property: string) => `<${name}.${property}>`;

  class Vpc {
    constructor(name: string, args?: Args) {
      record("Vpc", name, args, this);
    }
  }

  class Postgres {
    readonly host: string;
    readonly port: string;
    readonly username: string;
    readonly password: string;
    readonly database: string;
    constructor(name: string, args: Args) {
      record("Postgres", name, args, this);
      this.host = output(name, "host");
      this.port = output(name, "port");
      this.username = output(name, "username");
      this.password = output(name, "password");
      this.database = output(name, "database");
    }
  }

  class LambdaFunction {
    readonly arn: string;
    readonly url: string;
    constructor(name: string, args: Args) {
      record("Function", name, args, this);
      this.arn = output(name, "arn");
      this.url = output(name, "url");
    }
  }

  class Secret {
    readonly value: string;
    constructor(name: string, placeholder?: unknown) {
      // The placeholder is a value, not options: nothing to check, nothing infra uses.
      record("Secret", name, {}, this);
      this.value = output(name, placeholder === undefined ? "value" : "placeholder");
    }
  }

  class ApiGatewayV2 {
    readonly url: string;
    constructor(
      private readonly name: string,
      args?: Args,
    ) {
      record("ApiGatewayV2", name, args, this);
      this.url = output(name, "url");
    }
    route(rawRoute: string, handler: unknown, args?: Args) {
      const name = `${this.name} ${rawRoute}`;
      if (isPlainObject(handler)) checkOptions("Function", name, handler, functionOptions);
      checkOptions("ApiGatewayV2.route", name, args ?? {}, {});
      resources.push({
        type: "ApiGatewayV2.route",
        name,
        args: { ...args, api: this, route: rawRoute, handler },
        instance: this,
      });
    }
  }

  Object.assign(globalThis, {
    $app: { name: "slipway", stage },
    $dev: dev,
    $config: (config: unknown) => config,
    $interpolate: (literals: TemplateStringsArray, ...placeholders: unknown[]) =>
      String.raw(literals, ...placeholders),
    sst: { Secret, aws: { Vpc, Postgres, Function: LambdaFunction, ApiGatewayV2 } },
  });
  return resources;
}

/** Evaluates the app freshly (module cache reset) for one stage. */
async function evaluate(stage: string, dev = false) {
  vi.resetModules();
  const resources = installStandIns(stage, dev);
  const { default: config } = await import("../sst.config.js");
  const outputs = await config.run();
  return { config, resources, outputs };
}

function only(resources: Recorded[], type: string): Recorded {
  const found = resources.filter((r) => r.type === type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as Recorded;
}

function serviceFunction(resources: Recorded[], service: string): Recorded {
  const found = resources.filter(
    (r) => r.type === "Function" && String(r.args.handler).startsWith(`functions/${service}/`),
  );
  expect(found, `one function for ${service}`).toHaveLength(1);
  return found[0] as Recorded;
}

function secret(resources: Recorded[], name: string): { value: string } {
  const found = resources.filter((r) => r.type === "Secret" && r.name === name);
  expect(found, `one secret ${name}`).toHaveLength(1);
  return (found[0] as Recorded).instance as { value: string };
}

function connectionString(database: Record<string, string>): string {
  return `postgres://${database.username}:${database.password}@${database.host}:${database.port}/${database.database}`;
}

afterEach(() => {
  for (const name of globalNames) Reflect.deleteProperty(globalThis, name);
});

describe("sst.config.ts", () => {
  it("retains and protects production, removes every other stage", async () => {
    const { config } = await evaluate("dev");
    expect(config.app({ stage: "production" })).toEqual({
      name: "slipway",
      home: "aws",
      removal: "retain",
      protect: true,
    });
    expect(config.app({ stage: "dev" })).toMatchObject({ removal: "remove", protect: false });
    expect(config.app({ stage: "pr-42" })).toMatchObject({ removal: "remove", protect: false });
  });

  it("declares each resource once, under a unique name", async () => {
    const { resources } = await evaluate("production");
    const names = resources.filter((r) => !r.type.includes(".")).map((r) => `${r.type}:${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    expect(resources.map((r) => r.type).sort()).toEqual([
      "ApiGatewayV2",
      "ApiGatewayV2.route",
      "Function",
      "Function",
      "Function",
      "Function",
      "Function",
      "Postgres",
      "Secret",
      "Secret",
      "Vpc",
    ]);
  });

  it("outputs the API url", async () => {
    const { resources, outputs } = await evaluate("production");
    const api = only(resources, "ApiGatewayV2").instance as { url: string };
    expect(outputs).toEqual({ api: api.url });
  });
});

describe("functions", () => {
  it("point at handler files that exist", async () => {
    const { resources } = await evaluate("production");
    const functions = resources.filter((r) => r.type === "Function");
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      const handler = String(fn.args.handler);
      expect(handler, fn.name).toMatch(/^functions\/[a-z0-9-]+\/[a-z0-9-]+\.[A-Za-z_$][\w$]*$/);
      // SST handlers are `<file without extension>.<export>`, relative to sst.config.ts.
      const dot = handler.lastIndexOf(".");
      const file = new URL(`../${handler.slice(0, dot)}.ts`, import.meta.url);
      expect(existsSync(file), `${handler.slice(0, dot)}.ts exists`).toBe(true);
      const exported = new RegExp(
        `export (const|function|async function) ${handler.slice(dot + 1)}\\b`,
      );
      expect(readFileSync(file, "utf8"), `${handler} is exported`).toMatch(exported);
    }
  });

  it("run on arm64 with explicit memory and timeout", async () => {
    const { resources } = await evaluate("production");
    const functions = resources.filter((r) => r.type === "Function");
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.args.runtime, fn.name).toBe("nodejs20.x");
      expect(fn.args.architecture, fn.name).toBe("arm64");
      expect(fn.args.memory, fn.name).toMatch(/^\d+ MB$/);
      expect(fn.args.timeout, fn.name).toMatch(/^\d+ seconds?$/);
    }
  });

  it("catalog sits in the VPC, links the database and gets its connection string", async () => {
    const { resources } = await evaluate("production");
    const catalog = serviceFunction(resources, "catalog");
    const vpc = only(resources, "Vpc").instance;
    const database = only(resources, "Postgres").instance as Record<string, string>;
    const internal = secret(resources, "InternalTokenSecret");
    expect(catalog.args.handler).toBe("functions/catalog/lambda.handler");
    expect(catalog.args.vpc).toBe(vpc);
    expect(catalog.args.link).toEqual([database, internal]);
    expect(catalog.args.url).toBe(true);
    expect(catalog.args.environment).toEqual({
      SERVICE_NAME: "catalog",
      DATABASE_URL: connectionString(database),
      INTERNAL_TOKEN_SECRET: internal.value,
    });
  });

  it("identity sits in the VPC with the database, its key secret and the API as issuer", async () => {
    const { resources } = await evaluate("production");
    const identity = serviceFunction(resources, "identity");
    const database = only(resources, "Postgres").instance as Record<string, string>;
    const keySecret = secret(resources, "IdentityKeySecret");
    const internal = secret(resources, "InternalTokenSecret");
    const api = only(resources, "ApiGatewayV2").instance as { url: string };
    expect(identity.args.handler).toBe("functions/identity/lambda.handler");
    expect(identity.args.vpc).toBe(only(resources, "Vpc").instance);
    expect(identity.args.link).toEqual([database, keySecret, internal]);
    expect(identity.args.environment).toEqual({
      SERVICE_NAME: "identity",
      DATABASE_URL: connectionString(database),
      IDENTITY_KEY_SECRET: keySecret.value,
      INTERNAL_TOKEN_SECRET: internal.value,
      TOKEN_ISSUER: api.url,
    });
  });

  it.each(["orders", "payments"])("%s sits in the VPC with the database", async (service) => {
    const { resources } = await evaluate("production");
    const fn = serviceFunction(resources, service);
    const database = only(resources, "Postgres").instance as Record<string, string>;
    const internal = secret(resources, "InternalTokenSecret");
    expect(fn.args.handler).toBe(`functions/${service}/lambda.handler`);
    expect(fn.args.vpc).toBe(only(resources, "Vpc").instance);
    expect(fn.args.link).toEqual([database, internal]);
    expect(fn.args.environment).toMatchObject({
      SERVICE_NAME: service,
      DATABASE_URL: connectionString(database),
      INTERNAL_TOKEN_SECRET: internal.value,
    });
  });

  it("orders prices orders through catalog's URL", async () => {
    const { resources } = await evaluate("production");
    const catalog = serviceFunction(resources, "catalog").instance as { url: string };
    const orders = serviceFunction(resources, "orders");
    expect((orders.args.environment as Args).CATALOG_URL).toBe(catalog.url);
  });

  it("gateway calls catalog, identity and orders through their URLs, with the API as issuer", async () => {
    const { resources } = await evaluate("production");
    const gateway = serviceFunction(resources, "gateway");
    const catalog = serviceFunction(resources, "catalog").instance as { url: string };
    const identity = serviceFunction(resources, "identity").instance as { url: string };
    const orders = serviceFunction(resources, "orders").instance as { url: string };
    const payments = serviceFunction(resources, "payments").instance as { url: string };
    const internal = secret(resources, "InternalTokenSecret");
    const api = only(resources, "ApiGatewayV2").instance as { url: string };
    expect(gateway.args.handler).toBe("functions/gateway/lambda.handler");
    expect(gateway.args.link).toEqual([internal]);
    expect(gateway.args.environment).toEqual({
      SERVICE_NAME: "gateway",
      CATALOG_URL: catalog.url,
      IDENTITY_URL: identity.url,
      ORDERS_URL: orders.url,
      PAYMENTS_URL: payments.url,
      TOKEN_ISSUER: api.url,
      INTERNAL_TOKEN_SECRET: internal.value,
    });
  });

  it("every function gets the one internal token secret, so their credentials agree", async () => {
    const { resources } = await evaluate("production");
    const internal = secret(resources, "InternalTokenSecret");
    const functions = resources.filter((r) => r.type === "Function");
    for (const fn of functions) {
      expect(fn.args.link, fn.name).toContain(internal);
      expect((fn.args.environment as Args).INTERNAL_TOKEN_SECRET, fn.name).toBe(internal.value);
    }
  });
});

describe("api", () => {
  it("sends every request ($default) to the gateway function", async () => {
    const { resources } = await evaluate("production");
    const api = only(resources, "ApiGatewayV2").instance;
    const route = only(resources, "ApiGatewayV2.route");
    const gateway = serviceFunction(resources, "gateway").instance as { arn: string };
    expect(route.args).toEqual({ api, route: "$default", handler: gateway.arn });
  });
});

describe("database", () => {
  it("sits in the VPC behind RDS Proxy", async () => {
    const { resources } = await evaluate("production");
    const database = only(resources, "Postgres");
    expect(database.args.vpc).toBe(only(resources, "Vpc").instance);
    expect(database.args.proxy).toBe(true);
  });

  it("uses the local Postgres in sst dev", async () => {
    const { resources } = await evaluate("dev", true);
    expect(only(resources, "Postgres").args.dev).toEqual({
      host: "127.0.0.1",
      port: 5432,
      username: "postgres",
      password: expect.any(String),
      database: "slipway",
    });
  });

  it("uses a managed NAT in production and fck-nat elsewhere", async () => {
    expect(only((await evaluate("production")).resources, "Vpc").args).toEqual({ nat: "managed" });
    expect(only((await evaluate("dev", true)).resources, "Vpc").args).toEqual({ nat: "ec2" });
  });
});

describe("stand-ins", () => {
  it("reject options they do not know, so a typo in infra fails", () => {
    installStandIns("dev", false);
    const typo = { handler: "functions/x/lambda.handler", memorySize: "512 MB" };
    expect(() => new sst.aws.Function("Typo", typo as never)).toThrow(/"memorySize"/);
    const vpc = new sst.aws.Vpc("Vpc");
    const nested = { vpc, dev: { hostname: "127.0.0.1" } };
    expect(() => new sst.aws.Postgres("Db", nested as never)).toThrow(/"dev\.hostname"/);
  });
});
