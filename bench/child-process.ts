// The life of a server the bench started as a child process, shared by the paths' servers
// (paths/server-process.ts) and the whole system (system.ts): why it is gone, a stop that sends
// SIGTERM and SIGKILL after 10 s, and a SIGKILL if the bench exits first, so no child outlives it.
//
//   const child = superviseChild(spawn(...), "catalog");
//   if (child.exitReason()) ...; await child.stop();

import type { ChildProcess } from "node:child_process";
import { setTimeout as delay } from "node:timers/promises";

const stopTimeoutMs = 10_000;

export interface SupervisedChild {
  /** Resolves once the child has exited or failed to start. */
  exited: Promise<void>;
  /** Why the child is gone, or undefined while it runs. */
  exitReason(): string | undefined;
  /** SIGKILL now, unless it is gone: for a bench that must exit at once. */
  kill(): void;
  /** SIGTERM, SIGKILL if it has not exited after 10 s; the same promise on every call. */
  stop(): Promise<void>;
}

export function superviseChild(child: ChildProcess, name: string): SupervisedChild {
  let exitReason: string | undefined;
  const exited = new Promise<void>((resolve) => {
    child.once("error", (error) => {
      exitReason ??= `failed to start: ${error.message}`;
      resolve();
    });
    child.once("exit", (code, signal) => {
      exitReason ??= signal ? `killed by ${signal}` : `exited with code ${code}`;
      resolve();
    });
  });
  const kill = () => {
    if (exitReason === undefined) child.kill("SIGKILL");
  };
  // Last resort for paths that skip stop(): uncaught errors, process.exit() elsewhere.
  process.on("exit", kill);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (exitReason === undefined) {
        child.kill("SIGTERM");
        const timedOut = await Promise.race([
          exited.then(() => false),
          delay(stopTimeoutMs, true, { ref: false }),
        ]);
        if (timedOut) {
          process.stderr.write(`bench: ${name} ignored SIGTERM for ${stopTimeoutMs} ms, killing\n`);
          child.kill("SIGKILL");
          await exited;
        }
      }
      process.off("exit", kill);
    })();
    return stopping;
  };
  return { exited, exitReason: () => exitReason, kill, stop };
}
