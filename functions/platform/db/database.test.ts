import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openDatabase } from "./database.js";

describe("the embedded database's lock", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "slipway-lock-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps a second process out of a data directory in use, naming the owner", async () => {
    const dataDir = join(dir, "in-use");
    // A live process that is not this one holds the lock.
    const holder = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60000)"]);
    try {
      await writeFile(`${dataDir}.lock`, String(holder.pid));
      await expect(openDatabase({ dataDir, schema: {} })).rejects.toThrow(
        new RegExp(`in use by process ${holder.pid}`),
      );
    } finally {
      holder.kill();
    }
  });

  it("takes over the lock of a process that died, and releases its own on close", async () => {
    const dataDir = join(dir, "stale");
    const dead = spawn(process.execPath, ["-e", ""]);
    await new Promise((resolve) => dead.on("exit", resolve));
    await writeFile(`${dataDir}.lock`, String(dead.pid));
    const database = await openDatabase({ dataDir, schema: {} });
    await database.close();
    const again = await openDatabase({ dataDir, schema: {} });
    await again.close();
  });
});
