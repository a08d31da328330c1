// Checks the cloud resource graph without the `sst` CLI (it downloads Pulumi, so it cannot run in
// CI): sst.config.ts and infra/*.ts are evaluated against recording stand-ins of the SST globals,
// and the test asserts what was declared.
import { existsSync, readFileSync } from "node:fs";
import { afterEach, describe, expect, it, vi } from "vitest";
import { topology } from "../functions/platform/events/topology.js";

type Args = Record<string, unknown>;

interface Recorded {
  type: string;
  name: string;
  args: Args;
  instance: object;
}

// Options each stand-in accepts, as named in the SST component docs, limited to the ones infra
// uses (keep in step with sst-globals.d.ts). `true` accepts any value; a list names the keys
// allowed when the value is a plain object; a nested rule set checks a plain object's keys in turn.
type Allowed = { [key: string]: true | readonly string[] | Allowed };

const functionOptions: Allowed = {
  handler: true,
  runtime: true,
  architecture: true,
  memory: true,
  timeout: true,
  vpc: true,
  link: true,
  permissions: true,
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
  SnsTopic: { transform: { topic: ["name"] } },
  "SnsTopic.subscribeQueue": { filter: true, transform: { subscription: ["rawMessageDelivery"] } },
  Queue: {
    dlq: ["queue", "retry"],
    visibilityTimeout: true,
    transform: { queue: ["name", "messageRetentionSeconds"] },
  },
  "Queue.subscribe": { batch: ["partialResponses"] },
  Cron: { schedule: true, function: true },
};

const globalNames = ["$app", "$dev", "$config", "$interpolate", "sst"] as const;

function isPlainObject(value: unknown): value is Args {
  return (
    typeof value === "object" && value !== null && Object.getPrototypeOf(value) === Object.prototype
  );
}

function checkOptions(type: string, name: string, args: Args, allowed: Allowed, prefix = ""): void {
  for (const [key, value] of Object.entries(args)) {
    const rule = allowed[key];
    if (rule === undefined) {
      throw new Error(
        `${type} "${name}": option "${prefix}${key}" is not in the stand-in's allowed list`,
      );
    }
    if (rule === true || !isPlainObject(value)) continue;
    if (Array.isArray(rule)) {
      for (const nested of Object.keys(value)) {
        if (!rule.includes(nested)) {
          throw new Error(`${type} "${name}": option "${prefix}${key}.${nested}" is not allowed`);
        }
      }
    } else {
      checkOptions(type, `${name}`, value, rule as Allowed, `${prefix}${key}.`);
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

  class SnsTopic {
    readonly arn: string;
    readonly name: string;
    constructor(componentName: string, args?: Args) {
      record("SnsTopic", componentName, args, this);
      this.arn = output(componentName, "arn");
      this.name = output(componentName, "name");
    }
    subscribeQueue(name: string, queue: unknown, args?: Args) {
      checkOptions("SnsTopic.subscribeQueue", name, args ?? {}, {
        ...(allowedOptions["SnsTopic.subscribeQueue"] as Allowed),
      });
      resources.push({
        type: "SnsTopic.subscribeQueue",
        name,
        args: { ...args, topic: this, queue },
        instance: this,
      });
    }
  }

  class Queue {
    readonly arn: string;
    readonly url: string;
    constructor(
      private readonly componentName: string,
      args?: Args,
    ) {
      record("Queue", componentName, args, this);
      this.arn = output(componentName, "arn");
      this.url = output(componentName, "url");
    }
    subscribe(subscriber: unknown, args?: Args) {
      const name = `${this.componentName} subscriber`;
      if (isPlainObject(subscriber)) checkOptions("Function", name, subscriber, functionOptions);
      checkOptions("Queue.subscribe", name, args ?? {}, {
        ...(allowedOptions["Queue.subscribe"] as Allowed),
      });
      resources.push({
        type: "Queue.subscribe",
        name,
        args: { ...args, queue: this, subscriber },
        instance: this,
      });
    }
  }

  class Cron {
    constructor(name: string, args: Args) {
      record("Cron", name, args, this);
      if (isPlainObject(args.function)) {
        checkOptions("Function", `${name} function`, args.function, functionOptions);
      }
    }
  }

  Object.assign(globalThis, {
    $app: { name: "slipway", stage },
    $dev: dev,
    $config: (config: unknown) => config,
    $interpolate: (literals: TemplateStringsArray, ...placeholders: unknown[]) =>
      String.raw(literals, ...placeholders),
    sst: {
      Secret,
      aws: { Vpc, Postgres, Function: LambdaFunction, ApiGatewayV2, SnsTopic, Queue, Cron },
    },
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

/** Every Lambda declared, standalone or inline (queue subscribers, cron jobs), as name and args. */
function lambdas(resources: Recorded[]): { name: string; args: Args }[] {
  return resources.flatMap((r) => {
    if (r.type === "Function") return [{ name: r.name, args: r.args }];
    if (r.type === "Queue.subscribe" && isPlainObject(r.args.subscriber)) {
      return [{ name: r.name, args: r.args.subscriber }];
    }
    if (r.type === "Cron" && isPlainObject(r.args.function)) {
      return [{ name: r.name, args: r.args.function }];
    }
    return [];
  });
}

function secret(resources: Recorded[], name: string): { value: string } {
  const found = resources.filter((r) => r.type === "Secret" && r.name === name);
  expect(found, `one secret ${name}`).toHaveLength(1);
  return (found[0] as Recorded).instance as { value: string };
}

function topic(resources: Recorded[], service: string): object {
  const found = resources.filter(
    (r) => r.type === "SnsTopic" && (r.args.transform as Args | undefined) !== undefined,
  );
  const named = found.filter(
    (r) =>
      ((r.args.transform as Args).topic as Args).name === `slipway-production-${service}-events`,
  );
  expect(named, `one topic for ${service}`).toHaveLength(1);
  return (named[0] as Recorded).instance;
}

function queueNamed(resources: Recorded[], name: string): Recorded {
  const found = resources.filter(
    (r) => r.type === "Queue" && ((r.args.transform as Args).queue as Args).name === name,
  );
  expect(found, `one queue ${name}`).toHaveLength(1);
  return found[0] as Recorded;
}

/** Every (publisher, consumer) pair that shares event types, with those types, from the topology. */
function subscriptionPairs(): { service: string; queue: string; types: string[] }[] {
  return Object.entries(topology.publishers).flatMap(([service, published]) =>
    Object.entries(topology.subscriptions).flatMap(([queue, wanted]) => {
      const types = (wanted as readonly string[]).filter((t) =>
        (published as readonly string[]).includes(t),
      );
      return types.length > 0 ? [{ service, queue, types }] : [];
    }),
  );
}

// Every minute: the outbox sweep (and catalog's reservation expiry); hourly: pruning.
const expectedJobs = [
  { name: "CatalogSweep", service: "catalog", handler: "sweep", schedule: "rate(1 minute)" },
  { name: "CatalogPrune", service: "catalog", handler: "prune", schedule: "rate(1 hour)" },
  { name: "OrdersSweep", service: "orders", handler: "sweep", schedule: "rate(1 minute)" },
  { name: "OrdersPrune", service: "orders", handler: "prune", schedule: "rate(1 hour)" },
  { name: "PaymentsSweep", service: "payments", handler: "sweep", schedule: "rate(1 minute)" },
  { name: "PaymentsPrune", service: "payments", handler: "prune", schedule: "rate(1 hour)" },
  {
    name: "IdentityMaintenance",
    service: "identity",
    handler: "maintain",
    schedule: "rate(1 hour)",
  },
];

// The publisher looks its topic up by name; IAM grants ListTopics on "*" only.
const findsTopics = [{ actions: ["sns:ListTopics"], resources: ["*"] }];

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
    const counts = (types: string[]) => {
      const all: Record<string, number> = {};
      for (const t of types) all[t] = (all[t] ?? 0) + 1;
      return all;
    };
    const consumers = Object.keys(topology.subscriptions).length;
    expect(counts(resources.map((r) => r.type))).toEqual({
      ApiGatewayV2: 1,
      "ApiGatewayV2.route": 1,
      Function: 5,
      Postgres: 1,
      Secret: 2,
      Vpc: 1,
      SnsTopic: Object.keys(topology.publishers).length,
      // Each consuming service's queue and its dead-letter queue.
      Queue: 2 * consumers,
      "Queue.subscribe": consumers,
      "SnsTopic.subscribeQueue": subscriptionPairs().length,
      Cron: expectedJobs.length,
    });
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
    const functions = lambdas(resources);
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
    const functions = lambdas(resources);
    expect(functions.length).toBeGreaterThan(0);
    for (const fn of functions) {
      expect(fn.args.runtime, fn.name).toBe("nodejs20.x");
      expect(fn.args.architecture, fn.name).toBe("arm64");
      expect(fn.args.memory, fn.name).toMatch(/^\d+ MB$/);
      expect(fn.args.timeout, fn.name).toMatch(/^\d+ seconds?$/);
    }
  });

  it("catalog sits in the VPC, links the database and its topic, gets its connection string", async () => {
    const { resources } = await evaluate("production");
    const catalog = serviceFunction(resources, "catalog");
    const vpc = only(resources, "Vpc").instance;
    const database = only(resources, "Postgres").instance as Record<string, string>;
    const internal = secret(resources, "InternalTokenSecret");
    expect(catalog.args.handler).toBe("functions/catalog/lambda.handler");
    expect(catalog.args.vpc).toBe(vpc);
    expect(catalog.args.link).toEqual([database, topic(resources, "catalog"), internal]);
    expect(catalog.args.permissions).toEqual(findsTopics);
    expect(catalog.args.url).toBe(true);
    expect(catalog.args.environment).toEqual({
      SERVICE_NAME: "catalog",
      DATABASE_URL: connectionString(database),
      INTERNAL_TOKEN_SECRET: internal.value,
      BUS: "sns-sqs",
      BUS_NAMESPACE: "slipway-production",
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

  it.each(["orders", "payments"])(
    "%s sits in the VPC with the database and its topic",
    async (service) => {
      const { resources } = await evaluate("production");
      const fn = serviceFunction(resources, service);
      const database = only(resources, "Postgres").instance as Record<string, string>;
      const internal = secret(resources, "InternalTokenSecret");
      expect(fn.args.handler).toBe(`functions/${service}/lambda.handler`);
      expect(fn.args.vpc).toBe(only(resources, "Vpc").instance);
      expect(fn.args.link).toEqual([database, topic(resources, service), internal]);
      expect(fn.args.permissions).toEqual(findsTopics);
      expect(fn.args.environment).toMatchObject({
        SERVICE_NAME: service,
        DATABASE_URL: connectionString(database),
        INTERNAL_TOKEN_SECRET: internal.value,
        BUS: "sns-sqs",
        BUS_NAMESPACE: "slipway-production",
      });
    },
  );

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
    const functions = lambdas(resources);
    for (const fn of functions) {
      expect(fn.args.link, fn.name).toContain(internal);
      expect((fn.args.environment as Args).INTERNAL_TOKEN_SECRET, fn.name).toBe(internal.value);
    }
  });
});

describe("events", () => {
  it("has one topic per publishing service, named as the adapter finds it", async () => {
    const { resources } = await evaluate("production");
    for (const service of Object.keys(topology.publishers)) topic(resources, service);
  });

  it("gives every consumer queue its own dead-letter queue after 5 deliveries", async () => {
    const { resources } = await evaluate("production");
    for (const queue of Object.keys(topology.subscriptions)) {
      const source = queueNamed(resources, `slipway-production-${queue}`);
      const deadLetter = queueNamed(resources, `slipway-production-${queue}-dlq`);
      expect(source.args.dlq, queue).toEqual({
        queue: (deadLetter.instance as { arn: string }).arn,
        retry: 5,
      });
      // At least 6 × the consumer's timeout, as AWS advises for Lambda event sources.
      expect(source.args.visibilityTimeout, queue).toBe("180 seconds");
    }
  });

  it("subscribes each queue to each topic it shares types with, filtered on exactly those types", async () => {
    const { resources } = await evaluate("production");
    const declared = resources.filter((r) => r.type === "SnsTopic.subscribeQueue");
    const pairs = subscriptionPairs();
    expect(declared).toHaveLength(pairs.length);
    for (const { service, queue, types } of pairs) {
      const source = queueNamed(resources, `slipway-production-${queue}`).instance;
      const found = declared.filter(
        (r) => r.args.topic === topic(resources, service) && r.args.queue === source,
      );
      expect(found, `${service} → ${queue}`).toHaveLength(1);
      const { args } = found[0] as Recorded;
      // As the local adapter subscribes (subscriptions.ts): raw delivery, filter on `type`.
      expect(args.filter, `${service} → ${queue}`).toEqual({ type: [...types].sort() });
      expect(args.transform).toEqual({ subscription: { rawMessageDelivery: true } });
    }
  });

  it.each(Object.keys(topology.subscriptions))(
    "%s's queue invokes its consumer with partial batch responses, in the VPC with the database",
    async (service) => {
      const { resources } = await evaluate("production");
      const source = queueNamed(resources, `slipway-production-${service}`).instance;
      const found = resources.filter(
        (r) => r.type === "Queue.subscribe" && r.args.queue === source,
      );
      expect(found, `one consumer on ${service}'s queue`).toHaveLength(1);
      const { args } = found[0] as Recorded;
      expect(args.batch).toEqual({ partialResponses: true });
      const consumer = args.subscriber as Args;
      const database = only(resources, "Postgres").instance as Record<string, string>;
      const internal = secret(resources, "InternalTokenSecret");
      const publishes = service in topology.publishers;
      expect(consumer.handler).toBe(`functions/${service}/consumer.handler`);
      expect(consumer.vpc).toBe(only(resources, "Vpc").instance);
      const deadLetter = queueNamed(resources, `slipway-production-${service}-dlq`).instance;
      expect(consumer.link).toEqual([
        database,
        source,
        deadLetter,
        ...(publishes ? [topic(resources, service)] : []),
        internal,
      ]);
      expect(consumer.permissions).toEqual(findsTopics);
      expect(consumer.environment).toMatchObject({
        SERVICE_NAME: service,
        DATABASE_URL: connectionString(database),
        INTERNAL_TOKEN_SECRET: internal.value,
        BUS: "sns-sqs",
        BUS_NAMESPACE: "slipway-production",
      });
    },
  );

  it("names topics and queues after the stage, so stages can share an account", async () => {
    const { resources } = await evaluate("pr-42");
    const names = resources
      .filter((r) => r.type === "Queue" || r.type === "SnsTopic")
      .map((r) => Object.values(r.args.transform as Record<string, Args>)[0]?.name);
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) expect(String(name)).toMatch(/^slipway-pr-42-/);
  });
});

describe("scheduled jobs", () => {
  it.each(expectedJobs)("$name runs functions/$service/jobs.$handler $schedule", async (job) => {
    const { resources } = await evaluate("production");
    const found = resources.filter((r) => r.type === "Cron" && r.name === job.name);
    expect(found, `one Cron ${job.name}`).toHaveLength(1);
    const { args } = found[0] as Recorded;
    expect(args.schedule).toBe(job.schedule);
    const fn = args.function as Args;
    const database = only(resources, "Postgres").instance as Record<string, string>;
    expect(fn.handler).toBe(`functions/${job.service}/jobs.${job.handler}`);
    expect(fn.vpc).toBe(only(resources, "Vpc").instance);
    expect(fn.link).toContain(database);
    expect(fn.environment).toMatchObject({
      SERVICE_NAME: job.service,
      DATABASE_URL: connectionString(database),
    });
    if (job.service in topology.publishers) {
      // The sweep publishes: its topic, and the bus settings to find it.
      expect(fn.link).toContain(topic(resources, job.service));
      expect(fn.permissions).toEqual(findsTopics);
      expect(fn.environment).toMatchObject({ BUS: "sns-sqs", BUS_NAMESPACE: "slipway-production" });
    }
  });

  it("identity's job has its key secret and the API as issuer", async () => {
    const { resources } = await evaluate("production");
    const cron = resources.find((r) => r.type === "Cron" && r.name === "IdentityMaintenance");
    const fn = cron?.args.function as Args;
    const keySecret = secret(resources, "IdentityKeySecret");
    const api = only(resources, "ApiGatewayV2").instance as { url: string };
    expect(fn.link).toContain(keySecret);
    expect(fn.environment).toMatchObject({
      IDENTITY_KEY_SECRET: keySecret.value,
      TOKEN_ISSUER: api.url,
    });
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
    const deep = { transform: { queue: { nmae: "x" } } };
    expect(() => new sst.aws.Queue("Q", deep as never)).toThrow(/"transform\.queue\.nmae"/);
    const batch = { batch: { partial: true } };
    expect(() => new sst.aws.Queue("Q2").subscribe("f.handler", batch as never)).toThrow(
      /"batch\.partial"/,
    );
  });
});
