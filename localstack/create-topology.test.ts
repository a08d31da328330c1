// localstack/create-topology.ts, run as a user runs it against an SNS/SQS emulator (fauxqs),
// must produce exactly the topics, queues, dead-letter queues and subscriptions that infra/
// declares for the cloud: both read the one topology, and this keeps them from drifting apart.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import {
  GetSubscriptionAttributesCommand,
  ListSubscriptionsCommand,
  ListTopicsCommand,
} from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, ListQueuesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  startTestEmulator,
  type TestEmulator,
} from "../functions/platform/bus/sns-sqs/test-emulator.js";
import {
  type Args,
  evaluateInfra,
  type Recorded,
  removeStandIns,
} from "../infra/testing/stand-ins.js";

const run = promisify(execFile);

/** The bus as plain names: what a deploy and the script must agree on. */
interface BusShape {
  topics: string[];
  queues: Record<
    string,
    {
      visibilityTimeoutSeconds: number | undefined;
      retentionSeconds: number | undefined;
      deadLetter: { queue: string; maxReceiveCount: number } | undefined;
    }
  >;
  subscriptions: { topic: string; queue: string; filter: unknown; raw: boolean }[];
}

const bySubscription = (a: { topic: string; queue: string }, b: { topic: string; queue: string }) =>
  `${a.topic} ${a.queue}`.localeCompare(`${b.topic} ${b.queue}`);

const DEFAULT_RETENTION_SECONDS = 345_600;

/** What infra/ declares for one stage, read off the recorded resource graph. */
async function declaredBus(stage: string): Promise<BusShape> {
  const { resources } = await evaluateInfra(stage);
  removeStandIns();
  const nameOf = (component: unknown, kind: "topic" | "queue"): string => {
    const found = resources.find((r) => r.instance === component && !r.type.includes("."));
    return String(((found?.args.transform as Args)?.[kind] as Args)?.name);
  };
  const queues = resources.filter((r) => r.type === "Queue");
  const byArn = (arn: unknown) => queues.find((q) => (q.instance as { arn: string }).arn === arn);
  const seconds = (duration: unknown) =>
    duration === undefined ? undefined : Number(/^(\d+) seconds?$/.exec(String(duration))?.[1]);
  return {
    topics: resources
      .filter((r) => r.type === "SnsTopic")
      .map((r) => nameOf(r.instance, "topic"))
      .sort(),
    queues: Object.fromEntries(
      queues.map((queue: Recorded) => {
        const dlq = queue.args.dlq as { queue: string; retry: number } | undefined;
        const transform = (queue.args.transform as Args).queue as Args;
        return [
          String(transform.name),
          {
            visibilityTimeoutSeconds: seconds(queue.args.visibilityTimeout),
            retentionSeconds:
              (transform.messageRetentionSeconds as number | undefined) ?? undefined,
            deadLetter: dlq
              ? { queue: nameOf(byArn(dlq.queue)?.instance, "queue"), maxReceiveCount: dlq.retry }
              : undefined,
          },
        ];
      }),
    ),
    subscriptions: resources
      .filter((r) => r.type === "SnsTopic.subscribeQueue")
      .map((r) => ({
        topic: nameOf(r.args.topic, "topic"),
        queue: nameOf(r.args.queue, "queue"),
        filter: r.args.filter,
        raw: ((r.args.transform as Args)?.subscription as Args)?.rawMessageDelivery === true,
      }))
      .sort(bySubscription),
  };
}

/** What exists on the emulator under a namespace, read back through the AWS SDK. */
async function existingBus(emulator: TestEmulator, namespace: string): Promise<BusShape> {
  const { sns, sqs } = emulator.clients;
  const lastPart = (arn: string) => arn.slice(arn.lastIndexOf(":") + 1);
  const { Topics = [] } = await sns.send(new ListTopicsCommand({}));
  const { QueueUrls = [] } = await sqs.send(new ListQueuesCommand({ QueueNamePrefix: namespace }));
  const queues: BusShape["queues"] = {};
  for (const url of QueueUrls) {
    const { Attributes = {} } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: url, AttributeNames: ["All"] }),
    );
    const redrive = Attributes.RedrivePolicy ? JSON.parse(Attributes.RedrivePolicy) : undefined;
    const name = lastPart(String(Attributes.QueueArn));
    const retention = Number(Attributes.MessageRetentionPeriod ?? DEFAULT_RETENTION_SECONDS);
    queues[name] = {
      // Infra leaves the dead-letter queues' visibility at SQS's default.
      visibilityTimeoutSeconds: redrive ? Number(Attributes.VisibilityTimeout) : undefined,
      retentionSeconds: retention === DEFAULT_RETENTION_SECONDS ? undefined : retention,
      deadLetter: redrive
        ? {
            queue: lastPart(redrive.deadLetterTargetArn),
            maxReceiveCount: Number(redrive.maxReceiveCount),
          }
        : undefined,
    };
  }
  const { Subscriptions = [] } = await sns.send(new ListSubscriptionsCommand({}));
  const subscriptions: BusShape["subscriptions"] = [];
  for (const subscription of Subscriptions) {
    if (!subscription.TopicArn?.includes(`:${namespace}-`)) continue;
    const { Attributes = {} } = await sns.send(
      new GetSubscriptionAttributesCommand({ SubscriptionArn: subscription.SubscriptionArn }),
    );
    subscriptions.push({
      topic: lastPart(subscription.TopicArn),
      queue: lastPart(String(subscription.Endpoint)),
      filter: Attributes.FilterPolicy ? JSON.parse(Attributes.FilterPolicy) : undefined,
      raw: Attributes.RawMessageDelivery === "true",
    });
  }
  return {
    topics: Topics.map((t) => lastPart(String(t.TopicArn)))
      .filter((name) => name.startsWith(`${namespace}-`))
      .sort(),
    queues,
    subscriptions: subscriptions.sort(bySubscription),
  };
}

describe("localstack/create-topology.ts", () => {
  let emulator: TestEmulator;
  const createTopology = (namespace: string) =>
    run(process.execPath, ["--import", "tsx", "localstack/create-topology.ts"], {
      env: { ...process.env, AWS_ENDPOINT_URL: emulator.endpoint, BUS_NAMESPACE: namespace },
    });

  beforeAll(async () => {
    emulator = await startTestEmulator();
  });

  afterAll(async () => {
    await emulator?.stop();
  });

  it("creates on the emulator exactly the bus infra/ declares for the same stage", async () => {
    // A deployed stage's names start with `<app>-<stage>`: infra's production stage here.
    const declared = await declaredBus("production");
    expect(declared.subscriptions.length).toBeGreaterThan(0);

    const { stdout } = await createTopology("slipway-production");
    expect(stdout).toContain('SNS/SQS topology "slipway-production"');

    expect(await existingBus(emulator, "slipway-production")).toEqual(declared);
  });

  it("changes nothing when run again", async () => {
    await createTopology("slipway-again");
    const first = await existingBus(emulator, "slipway-again");
    await createTopology("slipway-again");
    expect(await existingBus(emulator, "slipway-again")).toEqual(first);
  });

  it("refuses to run without an emulator endpoint, so it never touches a real account", async () => {
    const failure = await run(
      process.execPath,
      ["--import", "tsx", "localstack/create-topology.ts"],
      {
        env: { ...process.env, AWS_ENDPOINT_URL: "" },
      },
    ).catch((error: { code: number; stderr: string }) => error);
    expect(failure).toMatchObject({ code: 1, stderr: expect.stringContaining("AWS_ENDPOINT_URL") });
  });
});
