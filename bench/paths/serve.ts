// The child's side of server-process.ts: serves a fetch handler on a free 127.0.0.1 port,
// announces it with `ready <url>` on stdout, and on SIGTERM / SIGINT closes the server, then
// `close`, then exits 0, so that `node --cpu-prof` writes its profile.
//
//   await serveUntilStopped(app.fetch, () => sql.end());

import { listen } from "../../functions/platform/node-server.js";

// Keep-alive connections of a load generator that is gone must not hold the exit up.
const closeTimeoutMs = 3_000;

export async function serveUntilStopped(
  fetch: (request: Request) => Response | Promise<Response>,
  close: () => Promise<unknown> = async () => {},
): Promise<void> {
  const server = await listen(fetch, { port: 0, hostname: "127.0.0.1" });
  let stopping = false;
  const stop = () => {
    if (stopping) process.exit(1);
    stopping = true;
    const timeout = new Promise((resolve) => setTimeout(resolve, closeTimeoutMs).unref());
    Promise.race([server.close(), timeout])
      .then(close)
      .then(
        () => process.exit(0),
        (error: unknown) => {
          process.stderr.write(`stop failed: ${error}\n`);
          process.exit(1);
        },
      );
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
  process.stdout.write(`ready ${server.url}\n`);
}
