import { queueNames } from "../../events/topology.js";
import { createLogger } from "../../logger.js";
import { describeBusContract } from "../testing/bus-contract.js";
import { openRabbitBus } from "./rabbit-bus.js";
import { deleteNamespace, describeWithBroker, rabbitUrl, testNamespace } from "./test-broker.js";

describeWithBroker("rabbitmq", () => {
  describeBusContract("rabbitmq", async () => {
    const namespace = testNamespace();
    const bus = await openRabbitBus({
      url: rabbitUrl,
      namespace,
      logger: createLogger("bus", "SILENT"),
      maxReceiveCount: 3,
    });
    return {
      publisher: bus.publisher,
      subscriber: () => bus.subscriber(),
      deadLetters: bus.deadLetters,
      maxReceiveCount: 3,
      async close() {
        await bus.close();
        await deleteNamespace(namespace, queueNames);
      },
    };
  });
});
