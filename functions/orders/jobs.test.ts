// Drives the orders service's scheduled-job entries locally on PGlite, as the schedule would: an
// event left in the outbox (its dispatch-on-commit lost) goes out with the next sweep, once.
import { create } from "@bufbuild/protobuf";
import { expect, it } from "vitest";
import { OrderPlacedSchema } from "../gen/orders/v1/events_pb.js";
import { toEnvelope } from "../platform/events/envelope.js";
import { recordEvents } from "../platform/events/outbox.js";
import { useLambdaEntryEnvironment } from "../platform/testing/lambda-entry-environment.js";
import { openOrdersDatabase } from "./db/open.js";
import { outbox } from "./db/schema.js";

const ORDER_ID = "01890a5d-ac96-774b-bcce-b302099a8057";

useLambdaEntryEnvironment("orders", async (dataDir) => {
  // An unsent event, as a crash between commit and dispatch leaves it.
  const database = await openOrdersDatabase({ DATA_DIR: dataDir });
  const envelope = toEnvelope({
    source: "orders",
    subject: ORDER_ID,
    schema: OrderPlacedSchema,
    message: create(OrderPlacedSchema, { order: { id: ORDER_ID } }),
  });
  await recordEvents(database.db, outbox, [envelope]);
  await database.close();
});

it("publishes what the outbox holds once per sweep, and prunes", async () => {
  // jobs.ts starts the service at import, as a cold start does.
  const jobs = await import("./jobs.js");
  expect(await jobs.sweep()).toEqual({ published: 1 });
  expect(await jobs.sweep()).toEqual({ published: 0 });
  // The published row is within its retention: nothing to delete yet.
  expect(await jobs.prune()).toEqual({ outbox: 0, inbox: 0, idempotencyKeys: 0 });
});
