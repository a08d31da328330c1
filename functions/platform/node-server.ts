/**
 * Serves a Hono app (or any fetch handler) on a local port: the Node counterpart of
 * `lambda.ts`, used by the local runner, tests and benchmarks.
 *
 * @example
 * const server = await listen(app.fetch, { port: 3002 });
 * console.log(server.url); // http://127.0.0.1:3002
 * await server.close();
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";

export interface ListenOptions {
  /** 0 picks a free port. */
  port: number;
  hostname?: string;
}

export interface RunningServer {
  url: string;
  port: number;
  close(): Promise<void>;
}

export function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  { port, hostname = "127.0.0.1" }: ListenOptions,
): Promise<RunningServer> {
  return new Promise((resolve, reject) => {
    const server = serve({ fetch, port, hostname }) as Server;
    server.once("error", reject);
    server.once("listening", () => {
      const address = server.address() as AddressInfo;
      const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
      resolve({
        url: `http://${host}:${address.port}`,
        port: address.port,
        close: () =>
          new Promise<void>((done, fail) => {
            server.close((error) => (error ? fail(error) : done()));
            // Keep-alive connections would hold close() open until they time out.
            server.closeIdleConnections();
          }),
      });
    });
  });
}
