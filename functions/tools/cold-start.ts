/**
 * A Lambda cold start of a built bundle, measured: a fresh `node` process imports the bundle
 * (the init phase: config, database, bus, tracing) and invokes its handlers once each with the
 * event AWS would send, reporting how long each step took and what came back.
 *
 * @example
 * const bundle = await bundleEntry(entry, { outdir });
 * const run = await coldStart(bundle.file, firstInvocations(bundle.entry, bundle.exports), env);
 * // run.importMs, run.invocations[0].ms, run.invocations[0].result
 */
import { spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import type { ScheduledEvent, SQSEvent } from "aws-lambda";
import { apiGatewayEvent } from "../platform/testing/api-gateway-event.js";
import type { LambdaEntry } from "./bundle.js";

export interface Invocation {
  /** The export to call: `handler`, or a job's name. */
  export: string;
  event: unknown;
}

export interface ColdStart {
  /** From `import()` until the module (and its top-level awaits) finished loading. */
  importMs: number;
  /** `typeof` of each export. */
  exports: Record<string, string>;
  invocations: { export: string; ms: number; result?: unknown; error?: string }[];
  /** Set when the import itself failed. */
  error?: string;
  stderr: string;
}

// Runs in the child, a plain `node` with nothing preloaded, as Lambda's runtime would.
const RUNNER = `
import { pathToFileURL } from "node:url";
const [file, calls] = [process.argv[1], JSON.parse(process.argv[2])];
const context = (name) => ({
  callbackWaitsForEmptyEventLoop: true, functionName: name, functionVersion: "$LATEST",
  invokedFunctionArn: "arn:aws:lambda:us-east-1:123456789012:function:" + name,
  memoryLimitInMB: "512", awsRequestId: crypto.randomUUID(), logGroupName: "/aws/lambda/" + name,
  logStreamName: "2026/01/01/[$LATEST]0", getRemainingTimeInMillis: () => 10000,
  done() {}, fail() {}, succeed() {},
});
const report = { importMs: 0, exports: {}, invocations: [] };
const started = performance.now();
try {
  const module = await import(pathToFileURL(file).href);
  report.importMs = performance.now() - started;
  for (const [name, value] of Object.entries(module)) report.exports[name] = typeof value;
  for (const call of calls) {
    const at = performance.now();
    try {
      const result = await module[call.export](call.event, context(call.export));
      report.invocations.push({ export: call.export, ms: performance.now() - at, result });
    } catch (error) {
      report.invocations.push({ export: call.export, ms: performance.now() - at, error: String(error?.stack ?? error) });
    }
  }
} catch (error) {
  report.error = String(error?.stack ?? error);
}
process.send(report, () => process.exit(0));
`;

/** Imports `file` in a fresh process with exactly `env`, then makes the calls in order. */
export function coldStart(
  file: string,
  calls: readonly Invocation[],
  env: Record<string, string>,
  timeoutMs = 30_000,
): Promise<ColdStart> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ["--input-type=module", "--eval", RUNNER, file, JSON.stringify(calls)],
      { env, stdio: ["ignore", "ignore", "pipe", "ipc"] },
    );
    let stderr = "";
    let report: Omit<ColdStart, "stderr"> | undefined;
    const timer = setTimeout(() => child.kill("SIGKILL"), timeoutMs);
    child.stderr?.on("data", (chunk) => {
      stderr += chunk;
    });
    child.on("message", (message) => {
      report = message as Omit<ColdStart, "stderr">;
    });
    child.on("error", reject);
    child.on("close", (code, signal) => {
      clearTimeout(timer);
      if (report) resolve({ ...report, stderr });
      else reject(new Error(`${file} exited (${signal ?? code}) without a report:\n${stderr}`));
    });
  });
}

/** One call per export with the event AWS sends to that kind of entry. */
export function firstInvocations(entry: LambdaEntry, exports: readonly string[]): Invocation[] {
  switch (entry.kind) {
    case "lambda":
      // Each deploy invokes the migrator once with no payload; every other lambda.ts is an API.
      if (entry.service === "migrator") return [{ export: "handler", event: {} }];
      return [
        { export: "handler", event: apiGatewayEvent({ method: "GET", path: "/health/live" }) },
      ];
    case "consumer":
      return [{ export: "handler", event: sqsEvent(entry.service) }];
    case "jobs":
      return exports.map((name) => ({ export: name, event: scheduledEvent(name) }));
  }
}

/** One record the consumer acknowledges without work: a well-formed event nobody handles. */
export function sqsEvent(service: string): SQSEvent {
  const now = Date.now();
  const envelope = {
    specversion: "1.0",
    id: randomUUID(),
    type: "slipway.build.v1.Unhandled",
    source: "slipway/build",
    time: new Date(now).toISOString(),
    subject: "",
    datacontenttype: "application/protobuf",
    data_base64: "",
  };
  return {
    Records: [
      {
        messageId: randomUUID(),
        receiptHandle: `receipt-${randomUUID()}`,
        body: JSON.stringify(envelope),
        attributes: {
          ApproximateReceiveCount: "1",
          SentTimestamp: String(now),
          SenderId: "AIDAEXAMPLE",
          ApproximateFirstReceiveTimestamp: String(now),
        },
        messageAttributes: {},
        md5OfBody: "",
        eventSource: "aws:sqs",
        eventSourceARN: `arn:aws:sqs:us-east-1:123456789012:slipway-${service}`,
        awsRegion: "us-east-1",
      },
    ],
  };
}

/** What an EventBridge schedule (SST Cron) sends. */
export function scheduledEvent(rule: string): ScheduledEvent {
  return {
    version: "0",
    id: randomUUID(),
    "detail-type": "Scheduled Event",
    source: "aws.events",
    account: "123456789012",
    time: new Date().toISOString(),
    region: "us-east-1",
    resources: [`arn:aws:events:us-east-1:123456789012:rule/${rule}`],
    detail: {},
  };
}
