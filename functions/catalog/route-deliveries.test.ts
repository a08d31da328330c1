import { create } from "@bufbuild/protobuf";
import { describe, expect, it } from "vitest";
import { ProductCreatedSchema } from "../gen/catalog/v1/events_pb.js";
import { OrderPlacedSchema, OrderRefundedSchema } from "../gen/orders/v1/events_pb.js";
import { type Delivery, PoisonMessage } from "../platform/bus/port.js";
import { type Envelope, toEnvelope } from "../platform/events/envelope.js";
import { createLogger } from "../platform/logger.js";
import { routeDeliveries } from "./route-deliveries.js";

const logger = createLogger("test", "SILENT");

const delivery = (body: string): Delivery => ({ messageId: "m-1", body, receiveCount: 1 });
const created: Envelope = toEnvelope({
  source: "catalog",
  subject: "p-1",
  schema: ProductCreatedSchema,
  message: create(ProductCreatedSchema),
});
const placed: Envelope = toEnvelope({
  source: "orders",
  subject: "o-1",
  schema: OrderPlacedSchema,
  message: create(OrderPlacedSchema),
});

describe("routing the catalog queue's deliveries", () => {
  function router() {
    const seen: string[] = [];
    const route = routeDeliveries(
      [
        {
          types: [ProductCreatedSchema.typeName],
          consumer: async () => void seen.push("listing"),
        },
        {
          types: [OrderPlacedSchema.typeName],
          consumer: async () => void seen.push("reservations"),
        },
      ],
      logger,
    );
    return { route, seen };
  }

  it("hands each event to the consumer of its type", async () => {
    const { route, seen } = router();
    await route(delivery(JSON.stringify(placed)));
    await route(delivery(JSON.stringify(created)));
    expect(seen).toEqual(["reservations", "listing"]);
  });

  it("skips an event type no consumer handles", async () => {
    const { route, seen } = router();
    const refunded = { ...placed, type: OrderRefundedSchema.typeName };
    await route(delivery(JSON.stringify(refunded)));
    expect(seen).toEqual([]);
  });

  it("refuses what is not an envelope as poison, with the reason", async () => {
    const { route } = router();
    await expect(route(delivery("not an envelope"))).rejects.toThrow(PoisonMessage);
    await expect(route(delivery("not an envelope"))).rejects.toThrow(/not JSON/);
  });

  it("refuses two consumers for one type", () => {
    const consumer = async () => {};
    const types = [OrderPlacedSchema.typeName];
    expect(() =>
      routeDeliveries(
        [
          { types, consumer },
          { types, consumer },
        ],
        logger,
      ),
    ).toThrow(/two consumers/);
  });
});
