import { createLogger } from "../../logger.js";
import { describeBusContract } from "../testing/bus-contract.js";
import { openEmbeddedBus } from "./embedded-bus.js";

describeBusContract("embedded", async () => {
  const bus = await openEmbeddedBus({
    dataDir: "memory://",
    logger: createLogger("bus", "SILENT"),
    maxReceiveCount: 3,
    visibilityTimeoutMs: 1000,
    pollIntervalMs: 50,
  });
  return {
    publisher: bus.publisher,
    subscriber: () => bus.subscriber(),
    deadLetters: bus.deadLetters,
    maxReceiveCount: 3,
    close: bus.close,
  };
});
