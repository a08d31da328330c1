/**
 * Recording stand-ins of the SST globals (`$config`, `sst.aws.*`, `sst.Linkable`, ...), so
 * sst.config.ts and infra/*.ts can be evaluated without the `sst` CLI (it downloads Pulumi, so
 * it cannot run in CI) and the declared resource graph inspected. Each stand-in accepts only
 * the options the SST component docs list, limited to the ones infra uses: a typo or an option
 * nobody checked fails the evaluation.
 *
 * @example
 * const { resources, outputs } = await evaluateInfra("production");
 * removeStandIns();
 */
import { vi } from "vitest";

export type Args = Record<string, unknown>;

export interface Recorded {
  type: string;
  name: string;
  args: Args;
  instance: object;
}

// Options each stand-in accepts, as named in the SST component docs, limited to the ones infra
// uses (keep in step with sst-globals.d.ts). `true` accepts any value; a list names the keys
// allowed when the value is a plain object; a nested rule set checks a plain object's keys in turn.
type Allowed = { [key: string]: true | readonly string[] | Allowed };

export const functionOptions: Allowed = {
  handler: true,
  bundle: true,
  runtime: true,
  architecture: true,
  memory: true,
  timeout: true,
  vpc: true,
  link: true,
  permissions: true,
  url: ["authorization"],
  environment: true,
};

const allowedOptions: Record<string, Allowed> = {
  Vpc: { nat: true },
  Postgres: {
    vpc: true,
    proxy: ["credentials"],
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
  Linkable: { properties: true },
  RandomPassword: { length: true, special: true },
  "aws.lambda.Invocation": { functionName: true, input: true },
};

const globalNames = [
  "$app",
  "$dev",
  "$config",
  "$interpolate",
  "$jsonStringify",
  "sst",
  "random",
  "aws",
] as const;

export function isPlainObject(value: unknown): value is Args {
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
export function installStandIns(stage: string, dev: boolean): Recorded[] {
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
    readonly name: string;
    readonly url: string;
    constructor(name: string, args: Args) {
      record("Function", name, args, this);
      this.arn = output(name, "arn");
      this.name = output(name, "name");
      this.url = output(name, "url");
    }
  }

  class Linkable {
    constructor(name: string, args: Args) {
      record("Linkable", name, args, this);
    }
  }

  class RandomPassword {
    readonly result: string;
    constructor(name: string, args: Args) {
      record("RandomPassword", name, args, this);
      this.result = output(name, "result");
    }
  }

  class Invocation {
    constructor(name: string, args: Args) {
      record("aws.lambda.Invocation", name, args, this);
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
    $jsonStringify: (value: unknown) => JSON.stringify(value),
    random: { RandomPassword },
    aws: { lambda: { Invocation } },
    sst: {
      Secret,
      Linkable,
      aws: { Vpc, Postgres, Function: LambdaFunction, ApiGatewayV2, SnsTopic, Queue, Cron },
    },
  });
  return resources;
}

/** Evaluates the app freshly (module cache reset) for one stage. */
export async function evaluateInfra(stage: string, dev = false) {
  vi.resetModules();
  const resources = installStandIns(stage, dev);
  const { default: config } = await import("../../sst.config.js");
  const outputs = await config.run();
  return { config, resources, outputs };
}

/** Takes the stand-ins off globalThis again. */
export function removeStandIns(): void {
  for (const name of globalNames) Reflect.deleteProperty(globalThis, name);
}
