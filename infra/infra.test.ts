// Checks the cloud resource graph without the `sst` CLI (it downloads Pulumi, so it cannot run in
// CI): sst.config.ts and infra/*.ts are evaluated against recording stand-ins of the SST globals
// (infra/testing/stand-ins.ts), and the tests assert what was declared.
import { readFileSync } from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { servicesWithDatabase } from "../functions/migrator/services.js";
import { topology } from "../functions/platform/events/topology.js";
import type { Links } from "../functions/platform/linked-config.js";
import { findLambdaEntries } from "../functions/tools/bundle.js";
import {
  type Args,
  evaluateInfra as evaluate,
  installStandIns,
  isPlainObject,
  type Recorded,
  removeStandIns,
} from "./testing/stand-ins.js";

function only(resources: Recorded[], type: string): Recorded {
  const found = resources.filter((r) => r.type === type);
  expect(found, `exactly one ${type}`).toHaveLength(1);
  return found[0] as Recorded;
}

function named(resources: Recorded[], type: string, name: string): Recorded {
  const found = resources.filter((r) => r.type === type && r.name === name);
  expect(found, `one ${type} ${name}`).toHaveLength(1);
  return found[0] as Recorded;
}

interface Lambda {
  name: string;
  args: Args;
  /** `functions/<service>/<kind>.ts`, from the bundle folder or the source handler. */
  service: string;
  kind: string;
  exported: string;
}

/** Every Lambda declared, standalone or inline (queue subscribers, cron jobs). */
function lambdas(resources: Recorded[]): Lambda[] {
  return resources.flatMap((r) => {
    let args: Args | undefined;
    if (r.type === "Function") args = r.args;
    if (r.type === "Queue.subscribe" && isPlainObject(r.args.subscriber)) args = r.args.subscriber;
    if (r.type === "Cron" && isPlainObject(r.args.function)) args = r.args.function;
    if (!args) return [];
    const handler = String(args.handler);
    const bundled = /^dist\/([a-z0-9]+)-([a-z]+)$/.exec(String(args.bundle ?? ""));
    const source = /^functions\/([a-z0-9]+)\/([a-z]+)\.([\w$]+)$/.exec(handler);
    const [service, kind] = bundled ? [bundled[1], bundled[2]] : [source?.[1], source?.[2]];
    const exported = handler.slice(handler.lastIndexOf(".") + 1);
    return [{ name: r.name, args, service: String(service), kind: String(kind), exported }];
  });
}

function lambdaOf(resources: Recorded[], service: string, kind = "lambda"): Lambda {
  const found = lambdas(resources).filter((fn) => fn.service === service && fn.kind === kind);
  expect(found.length, `a ${kind} function of ${service}`).toBeGreaterThan(0);
  return found[0] as Lambda;
}

/** The SST name of every recorded component, to compare links by name. */
function nameOf(resources: Recorded[]): (component: unknown) => string {
  // Components only: a subscription's record holds the topic or queue it was made on.
  const components = resources.filter((r) => !r.type.includes("."));
  const names = new Map(components.map((r) => [r.instance, `${r.type}:${r.name}`]));
  return (component) => names.get(component as object) ?? `unknown:${String(component)}`;
}

function topic(resources: Recorded[], service: string, stage = "production"): Recorded {
  const found = resources.filter(
    (r) =>
      r.type === "SnsTopic" &&
      ((r.args.transform as Args)?.topic as Args)?.name === `slipway-${stage}-${service}-events`,
  );
  expect(found, `one topic for ${service}`).toHaveLength(1);
  return found[0] as Recorded;
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

/** What a service's code reads through Resource: its links.ts. */
async function codeLinks(service: string): Promise<Links> {
  const module = await import(`../functions/${service}/links.ts`);
  return module[`${service}Links`] as Links;
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

const capitalized = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);

afterEach(removeStandIns);

describe("sst.config.ts", () => {
  it("retains and protects production, removes every other stage", async () => {
    const { config } = await evaluate("dev");
    expect(config.app({ stage: "production" })).toEqual({
      name: "slipway",
      home: "aws",
      removal: "retain",
      protect: true,
      providers: { random: expect.stringMatching(/^\d+\.\d+\.\d+$/) },
    });
    expect(config.app({ stage: "dev" })).toMatchObject({ removal: "remove", protect: false });
    expect(config.app({ stage: "pr-42" })).toMatchObject({ removal: "remove", protect: false });
  });

  it("declares each resource once, under a unique name", async () => {
    const { resources } = await evaluate("production");
    const names = resources.filter((r) => !r.type.includes(".")).map((r) => `${r.type}:${r.name}`);
    expect(new Set(names).size).toBe(names.length);
    const counts: Record<string, number> = {};
    for (const { type } of resources) counts[type] = (counts[type] ?? 0) + 1;
    const consumers = Object.keys(topology.subscriptions).length;
    expect(counts).toEqual({
      ApiGatewayV2: 1,
      "ApiGatewayV2.route": 1,
      // Four services' APIs, the gateway and the migrator.
      Function: 6,
      Postgres: 1,
      // A role's password and its link per service with a database.
      RandomPassword: servicesWithDatabase.length,
      Linkable: servicesWithDatabase.length,
      Secret: 2,
      Vpc: 1,
      SnsTopic: Object.keys(topology.publishers).length,
      // Each consuming service's queue and its dead-letter queue.
      Queue: 2 * consumers,
      "Queue.subscribe": consumers,
      "SnsTopic.subscribeQueue": subscriptionPairs().length,
      Cron: expectedJobs.length,
      "aws.lambda.Invocation": 1,
    });
  });

  it("outputs the API url", async () => {
    const { resources, outputs } = await evaluate("production");
    const api = only(resources, "ApiGatewayV2").instance as { url: string };
    expect(outputs).toEqual({ api: api.url });
  });
});

describe("functions", () => {
  it("deploy the folders npm run build makes, with handlers those entries export", async () => {
    const { resources } = await evaluate("production");
    const entries = new Map((await findLambdaEntries()).map((entry) => [entry.name, entry]));
    const functions = lambdas(resources);
    expect(functions.length).toBe(6 + Object.keys(topology.subscriptions).length + 7);
    for (const fn of functions) {
      const entry = entries.get(`${fn.service}-${fn.kind}`);
      expect(entry, `${fn.name}: dist/${fn.service}-${fn.kind} is a build entry`).toBeDefined();
      expect(fn.args.handler, fn.name).toBe(`${fn.kind}.${fn.exported}`);
      const exported = new RegExp(`export (const|function|async function) ${fn.exported}\\b`);
      expect(readFileSync(entry?.source as string, "utf8"), `${fn.name} export`).toMatch(exported);
    }
  });

  it("run the TypeScript source in sst dev", async () => {
    const { resources } = await evaluate("dev", true);
    for (const fn of lambdas(resources)) {
      expect(fn.args.bundle, fn.name).toBeUndefined();
      expect(fn.args.handler, fn.name).toBe(`functions/${fn.service}/${fn.kind}.${fn.exported}`);
    }
  });

  it("run on arm64 with explicit memory and timeout", async () => {
    const { resources } = await evaluate("production");
    for (const fn of lambdas(resources)) {
      expect(fn.args.runtime, fn.name).toBe("nodejs20.x");
      expect(fn.args.architecture, fn.name).toBe("arm64");
      expect(fn.args.memory, fn.name).toMatch(/^\d+ MB$/);
      expect(fn.args.timeout, fn.name).toMatch(/^\d+ seconds?$/);
    }
  });

  it("link exactly what their code reads through Resource, plus the bus they publish or consume on", async () => {
    const { resources } = await evaluate("production");
    const nameOfComponent = nameOf(resources);
    for (const fn of lambdas(resources)) {
      const links = await codeLinks(fn.service);
      const expected = new Set(
        Object.values(links).map((link) => {
          const found = resources.filter((r) => r.name === link.resource && !r.type.includes("."));
          expect(found, `${fn.name}: one component named ${link.resource}`).toHaveLength(1);
          return nameOfComponent((found[0] as Recorded).instance);
        }),
      );
      if (fn.service in topology.publishers && fn.service !== "migrator") {
        expected.add(nameOfComponent(topic(resources, fn.service).instance));
      }
      if (fn.kind === "consumer") {
        expected.add(`Queue:${capitalized(fn.service)}Queue`);
        expected.add(`Queue:${capitalized(fn.service)}DeadLetterQueue`);
      }
      const linked = (fn.args.link as unknown[]).map(nameOfComponent);
      expect(new Set(linked), fn.name).toEqual(expected);
      expect(linked.length, `${fn.name} links each once`).toBe(expected.size);
    }
  });

  it("keep secrets out of their environment: linked values are encrypted, environment is not", async () => {
    const { resources } = await evaluate("production");
    const secretValues = resources
      .filter((r) => r.type === "Secret" || r.type === "RandomPassword" || r.type === "Postgres")
      .flatMap((r) => Object.values(r.instance as Record<string, unknown>))
      .filter(
        (value): value is string =>
          typeof value === "string" && /password|value|result/.test(value),
      );
    expect(secretValues.length).toBeGreaterThan(0);
    for (const fn of lambdas(resources)) {
      const environment = JSON.stringify(fn.args.environment);
      for (const value of secretValues) expect(environment, fn.name).not.toContain(value);
      expect(fn.args.environment, fn.name).toMatchObject({ SERVICE_NAME: fn.service });
    }
  });

  it("serve the services' APIs on function URLs with IAM auth only", async () => {
    const { resources } = await evaluate("production");
    const withUrls = resources.filter((r) => r.type === "Function" && r.args.url !== undefined);
    expect(withUrls.map((r) => r.name).sort()).toEqual([
      "CatalogApi",
      "IdentityApi",
      "OrdersApi",
      "PaymentsApi",
    ]);
    for (const fn of withUrls) expect(fn.args.url, fn.name).toEqual({ authorization: "iam" });
  });

  it("may invoke exactly the function URLs they link, and sign those calls", async () => {
    const { resources } = await evaluate("production");
    const nameOfComponent = nameOf(resources);
    const urls = new Set(
      resources.filter((r) => r.type === "Function" && r.args.url).map((r) => r.instance),
    );
    for (const fn of lambdas(resources)) {
      const linkedUrls = (fn.args.link as unknown[]).filter((c) => urls.has(c as object));
      const invokes = ((fn.args.permissions ?? []) as { actions: string[]; resources: string[] }[])
        .filter((p) => p.actions.includes("lambda:InvokeFunctionUrl"))
        .flatMap((p) => p.resources);
      const arns = linkedUrls.map((c) => (c as { arn: string }).arn);
      expect(new Set(invokes), fn.name).toEqual(new Set(arns));
      if (linkedUrls.length > 0) {
        expect((fn.args.environment as Args).RPC_SIGNING, fn.name).toBe("sigv4");
      }
    }
    const gateway = lambdaOf(resources, "gateway");
    expect((gateway.args.link as unknown[]).map(nameOfComponent).sort()).toEqual(
      expect.arrayContaining([
        "Function:CatalogApi",
        "Function:IdentityApi",
        "Function:OrdersApi",
        "Function:PaymentsApi",
      ]),
    );
    const orders = lambdaOf(resources, "orders");
    expect((orders.args.link as unknown[]).map(nameOfComponent)).toContain("Function:CatalogApi");
  });

  it("sit in the VPC when they reach the database, and have NAT egress for what they call", async () => {
    const { resources } = await evaluate("production");
    const vpc = only(resources, "Vpc");
    const nameOfComponent = nameOf(resources);
    for (const fn of lambdas(resources)) {
      const linked = (fn.args.link as unknown[]).map(nameOfComponent);
      const reachesDatabase = linked.some((n) =>
        /^(Postgres:Database|Linkable:\w+Database)$/.test(n),
      );
      expect(fn.args.vpc === vpc.instance, `${fn.name} in the VPC`).toBe(reachesDatabase);
      const callsOut = linked.some((n) => /^(SnsTopic|Queue|Function):/.test(n));
      if (reachesDatabase && callsOut) {
        // SNS, SQS and function URLs are public AWS endpoints; SST's Vpc makes no endpoints.
        expect(vpc.args.nat, fn.name).toMatch(/^(managed|ec2)$/);
      }
    }
    expect(lambdaOf(resources, "gateway").args.vpc).toBeUndefined();
  });

  it("all share the one internal token secret, so their credentials agree (the migrator needs none)", async () => {
    const { resources } = await evaluate("production");
    const internal = named(resources, "Secret", "InternalTokenSecret").instance;
    for (const fn of lambdas(resources)) {
      if (fn.service === "migrator") {
        expect(fn.args.link, fn.name).not.toContain(internal);
      } else {
        expect(fn.args.link, fn.name).toContain(internal);
      }
    }
  });
});

describe("database", () => {
  it("sits in the VPC behind RDS Proxy, which logs in as each service's own role", async () => {
    const { resources } = await evaluate("production");
    const database = only(resources, "Postgres");
    expect(database.args.vpc).toBe(only(resources, "Vpc").instance);
    const credentials = (database.args.proxy as { credentials: Args[] }).credentials;
    expect(credentials).toEqual(
      servicesWithDatabase.map((service) => ({
        username: `slipway_${service}`,
        password: (
          named(resources, "RandomPassword", `${capitalized(service)}DatabasePassword`)
            .instance as {
            result: string;
          }
        ).result,
      })),
    );
  });

  it.each(servicesWithDatabase)(
    "links %s's functions to its own role, over TLS",
    async (service) => {
      const { resources } = await evaluate("production");
      const database = only(resources, "Postgres").instance as Record<string, string>;
      const password = named(
        resources,
        "RandomPassword",
        `${capitalized(service)}DatabasePassword`,
      );
      expect(password.args).toEqual({ length: 32, special: false });
      const link = named(resources, "Linkable", `${capitalized(service)}Database`);
      expect(link.args.properties).toEqual({
        host: database.host,
        port: database.port,
        database: database.database,
        username: `slipway_${service}`,
        password: (password.instance as { result: string }).result,
        tls: true,
      });
      // No other service's functions link it.
      for (const fn of lambdas(resources)) {
        if (fn.service === service || fn.service === "migrator") continue;
        expect(fn.args.link, fn.name).not.toContain(link.instance);
      }
    },
  );

  it("uses the local Postgres as its administrator in sst dev", async () => {
    const { resources } = await evaluate("dev", true);
    const database = only(resources, "Postgres");
    expect(database.args.dev).toEqual({
      host: "127.0.0.1",
      port: 5432,
      username: "postgres",
      password: expect.any(String),
      database: "slipway",
    });
    const instance = database.instance as Record<string, string>;
    for (const service of servicesWithDatabase) {
      const link = named(resources, "Linkable", `${capitalized(service)}Database`);
      expect(link.args.properties).toMatchObject({
        username: instance.username,
        password: instance.password,
        tls: false,
      });
    }
  });

  it("is migrated by a function every deploy invokes, the only one with the administrator", async () => {
    const { resources } = await evaluate("production");
    const migrator = named(resources, "Function", "Migrator");
    const nameOfComponent = nameOf(resources);
    expect((migrator.args.link as unknown[]).map(nameOfComponent).sort()).toEqual(
      [
        "Postgres:Database",
        ...servicesWithDatabase.map((s) => `Linkable:${capitalized(s)}Database`),
      ].sort(),
    );
    const invocation = only(resources, "aws.lambda.Invocation");
    expect(invocation.args.functionName).toBe((migrator.instance as { name: string }).name);
    expect(JSON.parse(String(invocation.args.input))).toEqual({ deployedAt: expect.any(String) });
    const admin = only(resources, "Postgres").instance;
    for (const fn of lambdas(resources)) {
      if (fn.name !== "Migrator") expect(fn.args.link, fn.name).not.toContain(admin);
    }
    const dev = await evaluate("dev", true);
    expect(dev.resources.filter((r) => r.type === "aws.lambda.Invocation")).toEqual([]);
  });

  it("uses a managed NAT in production and fck-nat elsewhere", async () => {
    expect(only((await evaluate("production")).resources, "Vpc").args).toEqual({ nat: "managed" });
    expect(only((await evaluate("dev", true)).resources, "Vpc").args).toEqual({ nat: "ec2" });
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
        (r) => r.args.topic === topic(resources, service).instance && r.args.queue === source,
      );
      expect(found, `${service} → ${queue}`).toHaveLength(1);
      const { args } = found[0] as Recorded;
      // As the local adapter subscribes (subscriptions.ts): raw delivery, filter on `type`.
      expect(args.filter, `${service} → ${queue}`).toEqual({ type: [...types].sort() });
      expect(args.transform).toEqual({ subscription: { rawMessageDelivery: true } });
    }
  });

  it.each(Object.keys(topology.subscriptions))(
    "%s's queue invokes its consumer with partial batch responses",
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
      expect(consumer.bundle).toBe(`dist/${service}-consumer`);
      expect(consumer.environment).toMatchObject({
        BUS: "sns-sqs",
        BUS_NAMESPACE: "slipway-production",
      });
    },
  );

  it("refuses a stage whose bus names the functions would refuse", async () => {
    await expect(evaluate("feature_x")).rejects.toThrow(
      /stage "feature_x".*must be 1-40 of a-z, 0-9 and -/,
    );
    await expect(evaluate("a".repeat(40))).rejects.toThrow(/bus namespace/);
  });

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
    const { args } = named(resources, "Cron", job.name);
    expect(args.schedule).toBe(job.schedule);
    const fn = args.function as Args;
    expect(fn.bundle).toBe(`dist/${job.service}-jobs`);
    expect(fn.handler).toBe(`jobs.${job.handler}`);
    if (job.service in topology.publishers) {
      // The sweep publishes: its topic, and the bus settings to find it.
      expect(fn.link).toContain(topic(resources, job.service).instance);
      expect(fn.environment).toMatchObject({ BUS: "sns-sqs", BUS_NAMESPACE: "slipway-production" });
    }
  });
});

describe("api", () => {
  it("sends every request ($default) to the gateway function", async () => {
    const { resources } = await evaluate("production");
    const api = only(resources, "ApiGatewayV2").instance;
    const route = only(resources, "ApiGatewayV2.route");
    const gateway = named(resources, "Function", "Gateway").instance as { arn: string };
    expect(route.args).toEqual({ api, route: "$default", handler: gateway.arn });
  });
});

describe("stand-ins", () => {
  it("reject options they do not know, so a typo in infra fails", () => {
    installStandIns("dev", false);
    const typo = { handler: "functions/x/lambda.handler", memorySize: "512 MB" };
    expect(() => new sst.aws.Function("Typo", typo as never)).toThrow(/"memorySize"/);
    const url = { handler: "functions/x/lambda.handler", url: { auth: "iam" } };
    expect(() => new sst.aws.Function("Url", url as never)).toThrow(/"url\.auth"/);
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
