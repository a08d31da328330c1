// What every slipway Lambda shares, in one place: where its code comes from, its runtime, its
// network, and what it links: the resources its service's `links.ts` names (read through SST's
// Resource at run time) plus the bus resources its role needs, nothing else.
import type { Links } from "../functions/platform/linked-config.js";
import { vpc } from "./database.js";
import { busEnvironment, busPermissions } from "./events.js";
import { componentPrefix, linkable, linksOf } from "./linkables.js";

type Kind = "lambda" | "consumer" | "jobs";

/**
 * Where a function's code comes from. Deployed: the folder `npm run build` made for the entry
 * (`dist/<service>-<kind>`, with the migrations it reads), so what is measured is what runs.
 * In `sst dev` SST runs the TypeScript source itself.
 */
export function code(service: string, kind: Kind, exported = "handler") {
  return $dev
    ? { handler: `functions/${service}/${kind}.${exported}` }
    : { bundle: `dist/${service}-${kind}`, handler: `${kind}.${exported}` };
}

/** Runtime settings every function shares (arm64: cheaper per GB-second than x86_64). */
export const runtime = { runtime: "nodejs20.x", architecture: "arm64" } as const;

/** The IAM permission to call functions' IAM-auth URLs (linking grants InvokeFunction only). */
function invokesUrlsOf(functions: { arn: unknown }[]) {
  return {
    actions: ["lambda:InvokeFunctionUrl"],
    resources: functions.map((fn) => fn.arn) as string[],
  };
}

/** Settings every function reads from its environment rather than from links. */
const commonEnvironment = {
  // Calls to other services' IAM-auth URLs are SigV4-signed (functions/platform/rpc).
  RPC_SIGNING: "sigv4",
};

export interface ServiceFunctionOptions {
  memory: `${number} MB`;
  timeout: `${number} seconds`;
  /** The service's links.ts: the resources its code reads through Resource. */
  links: Links;
  /** The service's topic, when the function publishes (outbox dispatch, consumer reactions). */
  publishesTo?: { arn: unknown } | undefined;
  /** The queue and dead-letter queue a consumer reads and dead-letters to. */
  consumes?: unknown[];
  /** Functions whose IAM-auth URLs this one calls (linked too: Resource gives their URLs). */
  calls?: { arn: unknown }[];
  /** False for the gateway: it touches nothing in the VPC and needs no NAT. */
  inVpc?: boolean;
}

/** The arguments of one of a service's functions: code, runtime, links, permissions, network. */
export function serviceFunction(
  service: string,
  kind: Kind,
  options: ServiceFunctionOptions,
  exported = "handler",
) {
  const permissions = [
    ...(options.publishesTo ? busPermissions : []),
    ...(options.calls?.length ? [invokesUrlsOf(options.calls)] : []),
  ];
  return {
    ...code(service, kind, exported),
    ...runtime,
    memory: options.memory,
    timeout: options.timeout,
    ...(options.inVpc === false ? {} : { vpc: vpc }),
    link: [
      ...linksOf(options.links),
      ...(options.consumes ?? []),
      ...(options.publishesTo ? [options.publishesTo] : []),
    ],
    ...(permissions.length > 0 ? { permissions } : {}),
    environment: {
      SERVICE_NAME: service,
      ...commonEnvironment,
      ...(options.publishesTo || options.consumes ? busEnvironment : {}),
    },
  };
}

/**
 * A service's Connect API: its `lambda` entry on a function URL with IAM auth, linkable as
 * `<Service>Api` so callers get its URL through Resource (and may invoke it, see `calls`).
 */
export function serviceApi(service: string, options: ServiceFunctionOptions) {
  const name = `${componentPrefix(service)}Api`;
  return linkable(
    name,
    (componentName) =>
      new sst.aws.Function(componentName, {
        ...serviceFunction(service, "lambda", options),
        url: { authorization: "iam" },
      }),
  );
}
