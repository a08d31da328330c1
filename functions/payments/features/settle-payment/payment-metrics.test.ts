// payments_total: what the provider did, counted once per payment however often the events
// arrive, and not at all for work a crash rolled back.
import { beforeEach, describe, expect, it } from "vitest";
import type { Envelope } from "../../../platform/events/envelope.js";
import { defaultRegistry } from "../../../platform/metrics/registry.js";
import { databaseKinds } from "../../../platform/testing/databases.js";
import { testOrder, usePayments } from "../../testing.js";

/** payments_total by outcome, recorded since the test began. */
function outcomes(): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const { name, dimensions, value } of defaultRegistry.snapshot().counters) {
    if (name === "payments_total") counted[dimensions.outcome ?? ""] = value;
  }
  return counted;
}

describe.each(databaseKinds)("payment metrics on %s", (kind) => {
  const service = usePayments(kind);
  beforeEach(() => defaultRegistry.reset());

  /** Each event delivered, redelivered, then told again in a new envelope. */
  async function repeatedly(...facts: (() => Envelope)[]) {
    for (const fact of facts) {
      const envelope = fact();
      await service.deliver(envelope, envelope, fact());
    }
  }

  it("counts authorized, captured and refunded once each", async () => {
    const order = testOrder();
    await repeatedly(order.placed, order.reserved, order.confirmed, order.refundRequested);
    expect(outcomes()).toEqual({ authorized: 1, captured: 1, refunded: 1 });
  });

  it("counts a capture and a refund done at once when the cancellation overtakes the confirmation", async () => {
    const order = testOrder();
    await repeatedly(order.placed, order.reserved, order.refundRequested, order.confirmed);
    expect(outcomes()).toEqual({ authorized: 1, captured: 1, refunded: 1 });
  });

  it("counts declines by reason, and voids", async () => {
    const declined = testOrder();
    const short = testOrder();
    const voided = testOrder();
    await repeatedly(() => declined.placed("tok_declined"), declined.reserved, declined.rejected);
    await repeatedly(() => short.placed("tok_insufficient_funds"), short.reserved);
    await repeatedly(voided.placed, voided.reserved, voided.cancelled);
    expect(outcomes()).toEqual({ declined: 1, insufficient_funds: 1, authorized: 1, voided: 1 });
  });

  it("counts nothing for an order that ended before any authorization", async () => {
    const order = testOrder();
    await repeatedly(order.cancelled, order.placed, order.reserved);
    expect(outcomes()).toEqual({});
  });

  it("counts nothing that a crash rolled back, and the redelivery once", async () => {
    const order = testOrder();
    const reserved = order.reserved();
    await service.deliver(order.placed());
    service.crashAfterNext("authorize");
    await expect(service.deliver(reserved)).rejects.toThrow(/crashed after authorize/);
    expect(outcomes()).toEqual({});
    await service.deliver(reserved, reserved);
    expect(outcomes()).toEqual({ authorized: 1 });
  });
});
