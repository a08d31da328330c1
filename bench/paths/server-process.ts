// One server of a measured path in a child process of its own: `node --import tsx <entry>`,
// which listens on a free 127.0.0.1 port and announces it with a `ready <url>` line on stdout
// (serve.ts). Its other output goes to the bench's stderr, tagged. The child never outlives the
// bench: stop() sends SIGTERM (SIGKILL after 10 s), and an exit of the bench kills it.
//
//   const server = await startServer({ name: "monolith", entry: "bench/paths/monolith.ts", env });
//   try { await fetch(`${server.url}/v1/products`); } finally { await server.stop(); }

import { spawn } from "node:child_process";
import { createInterface } from "node:readline";
import { setTimeout as delay } from "node:timers/promises";
import { fileURLToPath } from "node:url";
import { superviseChild } from "../child-process.js";

const repoRoot = fileURLToPath(new URL("../..", import.meta.url));
const readyTimeoutMs = 60_000;

export interface ServerOptions {
  /** Tags its output lines: `[name]`. */
  name: string;
  /** Relative to the repository's root. */
  entry: string;
  /** Set for the child on top of the bench's own environment; undefined removes a variable. */
  env?: Record<string, string | undefined>;
  /** Node options before the entry, e.g. `--cpu-prof`. */
  nodeArgs?: string[];
}

export interface RunningServer {
  name: string;
  url: string;
  pid: number;
  /** Why the child is gone, or undefined while it runs. */
  exitReason(): string | undefined;
  stop(): Promise<void>;
}

export async function startServer(options: ServerOptions): Promise<RunningServer> {
  const child = spawn(
    process.execPath,
    [...(options.nodeArgs ?? []), "--import", "tsx", options.entry],
    {
      cwd: repoRoot,
      env: childEnv(options.env ?? {}),
      stdio: ["ignore", "pipe", "pipe"],
      // Its own process group: a terminal's Ctrl-C reaches only the bench, which stops it.
      detached: true,
    },
  );
  const tag = `[${options.name}]`;
  let announce: (url: string) => void = () => {};
  const announced = new Promise<string>((resolve) => {
    announce = resolve;
  });
  createInterface({ input: child.stdout }).on("line", (line) => {
    const ready = /^ready (http:\/\/\S+)$/.exec(line);
    if (ready?.[1]) announce(ready[1]);
    else process.stderr.write(`${tag} ${line}\n`);
  });
  createInterface({ input: child.stderr }).on("line", (line) => {
    process.stderr.write(`${tag} ${line}\n`);
  });
  const supervised = superviseChild(child, options.name);

  const url = await Promise.race([
    announced,
    supervised.exited.then(() => {
      throw new Error(`${options.name} ${supervised.exitReason()} before it was ready`);
    }),
    delay(readyTimeoutMs, undefined, { ref: false }).then(() => {
      throw new Error(`${options.name} not ready after ${readyTimeoutMs} ms`);
    }),
  ]).catch(async (error: unknown) => {
    await supervised.stop();
    throw error;
  });
  return {
    name: options.name,
    url,
    pid: child.pid ?? 0,
    exitReason: supervised.exitReason,
    stop: supervised.stop,
  };
}

function childEnv(changes: Record<string, string | undefined>): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const [name, value] of Object.entries(changes)) {
    if (value === undefined) delete env[name];
    else env[name] = value;
  }
  return env;
}
