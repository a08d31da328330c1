// Ctrl-C for the in-process parts of the bench (events, orders): the first signal aborts the
// work's signal, so the load stops and the usual clean-up runs (services and buses closed,
// broker namespaces and databases removed); a second signal, or a clean-up that hangs, exits at
// once after the synchronous clean-ups registered in `atExit` (temporary directories).
//
//   await interruptible("orders bench", async (signal, atExit) => {
//     const undo = () => rmSync(dir, { recursive: true, force: true });
//     atExit.add(undo);
//     ...signal.throwIfAborted()...
//   });

import { setMaxListeners } from "node:events";
import { constants } from "node:os";

// After a signal, how long the clean stop may take before the bench just exits.
const STOP_TIMEOUT_MS = 20_000;
const handledSignals: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP"];

/** The bench was stopped by a signal; it exits with 128 + the signal's number. */
export class BenchInterrupted extends Error {
  constructor(readonly signal: NodeJS.Signals) {
    super(`interrupted by ${signal}`);
  }
  get exitCode(): number {
    return 128 + (constants.signals[this.signal] ?? 0);
  }
}

export async function interruptible<T>(
  what: string,
  work: (signal: AbortSignal, atExit: Set<() => void>) => Promise<T>,
): Promise<T> {
  const interrupt = new AbortController();
  // Any number of waits (an order's confirmation each) may listen to it at once.
  setMaxListeners(0, interrupt.signal);
  const atExit = new Set<() => void>();
  const exitNow = (error: BenchInterrupted) => {
    for (const undo of atExit) undo();
    process.exit(error.exitCode);
  };
  const onSignal = (signal: NodeJS.Signals) => {
    const error = new BenchInterrupted(signal);
    if (interrupt.signal.aborted) return exitNow(error);
    process.stderr.write(`bench: ${signal}, stopping the ${what}...\n`);
    interrupt.abort(error);
    setTimeout(() => exitNow(error), STOP_TIMEOUT_MS).unref();
  };
  for (const signal of handledSignals) process.on(signal, onSignal);
  try {
    return await work(interrupt.signal, atExit);
  } finally {
    for (const signal of handledSignals) process.off(signal, onSignal);
  }
}
