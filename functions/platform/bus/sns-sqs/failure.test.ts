import { describe, expect, it } from "vitest";
import { PoisonMessage } from "../port.js";
import { copyAttributes, defaultRetryDelay, failureAction } from "./failure.js";

describe("failureAction", () => {
  it("dead-letters a PoisonMessage at once, with its message as the reason", () => {
    expect(failureAction(new PoisonMessage("bad envelope"), 1, 5)).toEqual({
      kind: "dead-letter",
      reason: "PoisonMessage: bad envelope",
    });
  });

  it("retries with backoff until the last allowed attempt, then dead-letters", () => {
    const error = new Error("timeout");
    expect(failureAction(error, 1, 3)).toEqual({
      kind: "retry",
      delaySeconds: 2,
      reason: "Error: timeout",
    });
    expect(failureAction(error, 2, 3)).toMatchObject({ kind: "retry", delaySeconds: 4 });
    expect(failureAction(error, 3, 3)).toEqual({
      kind: "dead-letter",
      reason: "failed 3 times; last: Error: timeout",
    });
  });

  it("caps the default backoff at a minute and any delay at SQS's 12 hours", () => {
    expect([1, 5, 6, 20].map(defaultRetryDelay)).toEqual([2, 32, 60, 60]);
    expect(failureAction("x", 1, 9, () => 1e9)).toMatchObject({ delaySeconds: 43_200 });
    expect(failureAction("x", 1, 9, () => -3)).toMatchObject({ delaySeconds: 0 });
  });
});

describe("copyAttributes", () => {
  it("keeps the message's attributes and drops the DLQ's", () => {
    expect(
      copyAttributes({
        type: { DataType: "String", StringValue: "t.A", StringListValues: [] },
        reason: { DataType: "String", StringValue: "why" },
        receiveCount: { DataType: "Number", StringValue: "3" },
      }),
    ).toEqual({ type: { DataType: "String", StringValue: "t.A" } });
  });
});
