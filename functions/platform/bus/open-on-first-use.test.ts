import { TimestampSchema, timestampNow } from "@bufbuild/protobuf/wkt";
import { describe, expect, it, vi } from "vitest";
import { type Envelope, toEnvelope } from "../events/envelope.js";
import type { Bus } from "./open-bus.js";
import { openOnFirstUse } from "./open-on-first-use.js";
import type { Delivery } from "./port.js";

/** A transport that records what reaches it; `failOpens` opens reject first. */
function fakeTransport(failOpens = 0) {
  const published: Envelope[] = [];
  const calls: string[] = [];
  let opens = 0;
  const open = vi.fn(async (): Promise<Bus> => {
    opens += 1;
    if (opens <= failOpens) throw new Error(`open ${opens} failed`);
    return {
      publisher: {
        publish: async (envelopes) => {
          published.push(...envelopes);
        },
        close: async () => {
          calls.push("publisher.close");
        },
        probe: async () => {
          calls.push("probe");
        },
      },
      subscriber: () => ({
        start: async (queue, handle) => {
          calls.push(`start ${queue}`);
          await handle({ messageId: "m1", body: "{}", receiveCount: 1 });
        },
        stop: async () => {
          calls.push("stop");
        },
      }),
      deadLetters: {
        list: async (queue) => {
          calls.push(`list ${queue}`);
          return [];
        },
        redrive: async (queue) => {
          calls.push(`redrive ${queue}`);
          return 3;
        },
      },
      close: async () => {
        calls.push("close");
      },
    };
  });
  return { open, published, calls };
}

const envelope = () =>
  toEnvelope({ source: "test", subject: "s", schema: TimestampSchema, message: timestampNow() });

describe("openOnFirstUse", () => {
  it("opens nothing until used, then once for concurrent first uses", async () => {
    const transport = fakeTransport();
    const bus = openOnFirstUse(transport.open);
    expect(transport.open).not.toHaveBeenCalled();
    const [first, second] = [envelope(), envelope()];
    await Promise.all([bus.publisher.publish([first]), bus.publisher.publish([second])]);
    expect(transport.open).toHaveBeenCalledTimes(1);
    expect(transport.published).toEqual([first, second]);
  });

  it("tries to open again on the next use after a failed open", async () => {
    const transport = fakeTransport(1);
    const bus = openOnFirstUse(transport.open);
    await expect(bus.publisher.publish([envelope()])).rejects.toThrow("open 1 failed");
    await bus.publisher.publish([envelope()]);
    expect(transport.open).toHaveBeenCalledTimes(2);
    expect(transport.published).toHaveLength(1);
  });

  it("closes without opening a bus never used, and publishes nothing once closed", async () => {
    const transport = fakeTransport();
    const bus = openOnFirstUse(transport.open);
    await bus.close();
    expect(transport.open).not.toHaveBeenCalled();
    await expect(bus.publisher.publish([envelope()])).rejects.toThrow("publisher is closed");
    await expect(bus.deadLetters.list("catalog")).rejects.toThrow("bus is closed");
    expect(transport.open).not.toHaveBeenCalled();
  });

  it("closes the transport it opened, and a closed publisher refuses to publish", async () => {
    const transport = fakeTransport();
    const bus = openOnFirstUse(transport.open);
    await bus.publisher.publish([envelope()]);
    await bus.publisher.close();
    await expect(bus.publisher.publish([envelope()])).rejects.toThrow("publisher is closed");
    await bus.close();
    expect(transport.calls).toEqual(["publisher.close", "close"]);
  });

  it("passes probes, subscribers and dead-letter calls on to the opened transport", async () => {
    const transport = fakeTransport();
    const bus = openOnFirstUse(transport.open);
    await bus.publisher.probe?.();
    const delivered: Delivery[] = [];
    const subscriber = bus.subscriber();
    await subscriber.start("orders", async (delivery) => {
      delivered.push(delivery);
    });
    await subscriber.stop();
    expect(await bus.deadLetters.list("orders")).toEqual([]);
    expect(await bus.deadLetters.redrive("orders")).toBe(3);
    expect(transport.calls).toEqual([
      "probe",
      "start orders",
      "stop",
      "list orders",
      "redrive orders",
    ]);
    expect(delivered).toEqual([{ messageId: "m1", body: "{}", receiveCount: 1 }]);
    expect(transport.open).toHaveBeenCalledTimes(1);
  });

  it("stops a subscriber never started without opening, and a probe gives up when aborted", async () => {
    const transport = fakeTransport();
    transport.open.mockImplementationOnce(() => new Promise<Bus>(() => {}));
    const bus = openOnFirstUse(transport.open);
    await bus.subscriber().stop();
    expect(transport.open).not.toHaveBeenCalled();
    const timeout = AbortSignal.timeout(20);
    await expect(bus.publisher.probe?.(timeout)).rejects.toMatchObject({ name: "TimeoutError" });
  });
});
