/**
 * A TCP proxy for tests that simulate an outage of a real server (RabbitMQ, Postgres) without
 * stopping it: clients connect through the proxy, `cut()` kills every open connection and
 * refuses new ones, `restore()` lets them through again.
 *
 * @example
 * const proxy = await startTcpProxy({ targetHost: "127.0.0.1", targetPort: 5672 });
 * const url = proxy.urlFor("amqp://guest:guest@127.0.0.1:5672"); // same URL, via the proxy
 * proxy.cut();     // the broker is "down"
 * proxy.restore(); // and back
 * await proxy.close();
 */
import { createServer, type Socket, connect as tcpConnect } from "node:net";

export interface TcpProxyOptions {
  targetHost: string;
  targetPort: number;
  /** Where the proxy listens; a free port on 127.0.0.1 unless given. */
  listenHost?: string;
  listenPort?: number;
}

export interface TcpProxy {
  host: string;
  port: number;
  /** `host:port` of the proxy. */
  address: string;
  /** The given URL with its host and port replaced by the proxy's (credentials, path kept). */
  urlFor(url: string): string;
  /** Destroys every open connection and refuses new ones until `restore()`. */
  cut(): void;
  restore(): void;
  /** How many client connections are open through the proxy now. */
  openConnections(): number;
  close(): Promise<void>;
}

export async function startTcpProxy(options: TcpProxyOptions): Promise<TcpProxy> {
  const host = options.listenHost ?? "127.0.0.1";
  const pairs = new Set<[Socket, Socket]>();
  let refusing = false;

  const server = createServer((client) => {
    if (refusing) {
      // A reset rather than a clean close, so the client sees what a dead server looks like.
      client.resetAndDestroy();
      return;
    }
    const upstream = tcpConnect({ host: options.targetHost, port: options.targetPort });
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    const teardown = () => {
      pairs.delete(pair);
      client.destroy();
      upstream.destroy();
    };
    for (const socket of pair) {
      socket.setNoDelay(true);
      socket.on("error", teardown);
      socket.on("close", teardown);
    }
    client.pipe(upstream);
    upstream.pipe(client);
  });

  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.listenPort ?? 0, host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("proxy has no TCP port");
  const port = address.port;

  const cut = () => {
    refusing = true;
    for (const [client, upstream] of pairs) {
      client.resetAndDestroy();
      upstream.destroy();
    }
    pairs.clear();
  };

  return {
    host,
    port,
    address: `${host}:${port}`,
    urlFor(url) {
      const parsed = new URL(url);
      parsed.hostname = host;
      parsed.port = String(port);
      return parsed.toString();
    },
    cut,
    restore() {
      refusing = false;
    },
    openConnections: () => pairs.size,
    close() {
      cut();
      return new Promise<void>((resolve, reject) =>
        server.close((error) => (error ? reject(error) : resolve())),
      );
    },
  };
}
