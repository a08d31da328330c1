import { once } from "node:events";
import { createServer, type Server, type Socket, connect as tcpConnect } from "node:net";
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from "vitest";
import { startTcpProxy, type TcpProxy } from "./tcp-proxy.js";

describe("startTcpProxy", () => {
  let echo: Server;
  let echoPort: number;
  beforeAll(async () => {
    echo = createServer((socket) => socket.pipe(socket));
    echo.listen(0, "127.0.0.1");
    await once(echo, "listening");
    echoPort = (echo.address() as { port: number }).port;
  });
  afterAll(() => new Promise<void>((resolve) => echo.close(() => resolve())));

  async function proxy(): Promise<TcpProxy> {
    const started = await startTcpProxy({ targetHost: "127.0.0.1", targetPort: echoPort });
    onTestFinished(() => started.close());
    return started;
  }

  it("carries bytes both ways", async () => {
    const { port } = await proxy();
    const socket = await open(port);
    expect(await roundTrip(socket, "hello")).toBe("hello");
    socket.destroy();
  });

  it("cut() kills open connections and refuses new ones until restore()", async () => {
    const started = await proxy();
    const socket = await open(started.port);
    await roundTrip(socket, "warm-up");
    expect(started.openConnections()).toBe(1);

    started.cut();
    await closed(socket);
    expect(started.openConnections()).toBe(0);
    const refused = tcpConnect({ host: "127.0.0.1", port: started.port });
    refused.on("error", () => {});
    await closed(refused);
    expect(refused.bytesRead).toBe(0);

    started.restore();
    const again = await open(started.port);
    expect(await roundTrip(again, "back")).toBe("back");
    again.destroy();
  });

  it("urlFor() points a URL at the proxy, keeping credentials and path", async () => {
    const started = await proxy();
    expect(started.urlFor("amqp://guest:secret@10.0.0.9:5672/vhost?heartbeat=5")).toBe(
      `amqp://guest:secret@127.0.0.1:${started.port}/vhost?heartbeat=5`,
    );
  });
});

async function open(port: number): Promise<Socket> {
  const socket = tcpConnect({ host: "127.0.0.1", port });
  socket.on("error", () => {});
  await once(socket, "connect");
  return socket;
}

async function roundTrip(socket: Socket, text: string): Promise<string> {
  socket.write(text);
  const [chunk] = (await once(socket, "data")) as [Buffer];
  return chunk.toString();
}

/** Resolves when the socket closes, however (a reset emits "error" first). */
function closed(socket: Socket): Promise<void> {
  return new Promise((resolve) => {
    if (socket.closed) resolve();
    else socket.once("close", () => resolve());
  });
}
