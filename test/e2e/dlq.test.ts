import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { create } from "@bufbuild/protobuf";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ProductCreatedSchema } from "../../functions/gen/catalog/v1/events_pb.js";
import { openEmbeddedBus } from "../../functions/platform/bus/embedded/embedded-bus.js";
import { PoisonMessage } from "../../functions/platform/bus/port.js";
import { embeddedDataDir } from "../../functions/platform/db/config.js";
import { parseEnvelope, toEnvelope } from "../../functions/platform/events/envelope.js";
import { createLogger } from "../../functions/platform/logger.js";
import { REPO_ROOT } from "./system.js";

const run = promisify(execFile);

/** `npm run dlq -- <args>` against the embedded bus in `dataDir`. */
async function dlq(dataDir: string, ...args: string[]) {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    DATA_DIR: dataDir,
    BUS: "embedded",
    LOG_LEVEL: "SILENT",
  };
  delete env.DATABASE_URL;
  return run(process.execPath, ["--import", "tsx", "functions/tools/dlq.ts", ...args], {
    cwd: REPO_ROOT,
    env,
  }).catch((error: { code: number; stdout: string; stderr: string }) => error);
}

describe("npm run dlq on the embedded bus", () => {
  let dir: string;
  let eventId: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-dlq-"));
    // One event dead-lettered by a consumer that can never handle it, as a real run would.
    const bus = await openEmbeddedBus({
      dataDir: embeddedDataDir(dir),
      logger: createLogger("bus", "SILENT"),
    });
    const envelope = toEnvelope({
      source: "catalog",
      subject: "p-1",
      schema: ProductCreatedSchema,
      message: create(ProductCreatedSchema, {}),
    });
    eventId = envelope.id;
    await bus.publisher.publish([envelope]);
    await bus.subscriber().drain("catalog", async () => {
      throw new PoisonMessage("no product in the event");
    });
    await bus.close();
  }, 60_000);

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("lists, shows and redrives a dead letter", { timeout: 60_000 }, async () => {
    const listed = await dlq(dir, "list", "catalog");
    expect(listed.stdout).toContain("1 dead letter(s) in catalog (embedded)");
    expect(listed.stdout).toContain("slipway.catalog.v1.ProductCreated");
    expect(listed.stdout).toContain("no product in the event");

    const shown = await dlq(dir, "show", "catalog", eventId);
    const letter = JSON.parse(shown.stdout);
    expect(letter.reason).toBe("no product in the event");
    expect(parseEnvelope(letter.body)).toMatchObject({ ok: true, envelope: { id: eventId } });

    expect((await dlq(dir, "redrive", "catalog")).stdout).toContain("redrove 1 message(s)");
    expect((await dlq(dir, "list", "catalog")).stdout).toContain("0 dead letter(s)");
  });

  it("explains its usage and refuses unknown queues", { timeout: 60_000 }, async () => {
    const unknown = (await dlq(dir, "list", "nope")) as { code?: number; stderr: string };
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("unknown queue nope");
    const usage = (await dlq(dir)) as { code?: number; stderr: string };
    expect(usage.code).toBe(2);
    expect(usage.stderr).toContain("usage: npm run dlq");
  });
});
