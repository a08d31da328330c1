import { createLogger } from "../../logger.js";
import { describeBusContract } from "../testing/bus-contract.js";
import { createSnsSqsDeadLetterQueue } from "./dead-letter-queue.js";
import { ensureSnsSqsTopology } from "./ensure-topology.js";
import { createSnsSqsPublisher } from "./publisher.js";
import { createSnsSqsSubscriber } from "./subscriber.js";
import { freshNamespace, startTestEmulator } from "./test-emulator.js";

const MAX_RECEIVE_COUNT = 3;

describeBusContract("sns-sqs on fauxqs", async () => {
  const emulator = await startTestEmulator();
  const { sns, sqs } = emulator.clients;
  const namespace = freshNamespace();
  await ensureSnsSqsTopology(emulator.clients, {
    namespace,
    maxReceiveCount: MAX_RECEIVE_COUNT,
    consumerTimeoutSeconds: 1,
  });
  const logger = createLogger("bus", "SILENT");
  return {
    publisher: createSnsSqsPublisher({ sns, namespace }),
    subscriber: () =>
      createSnsSqsSubscriber({
        sqs,
        namespace,
        logger,
        waitTimeSeconds: 1,
        retryDelay: () => 0,
        // The suite starts a new subscriber on the same queue right after stopping the last;
        // an aborted poll could take (and hide) its first message, costing one receive.
        finishPollOnStop: true,
      }),
    deadLetters: createSnsSqsDeadLetterQueue({ sqs, namespace, waitTimeSeconds: 0 }),
    maxReceiveCount: MAX_RECEIVE_COUNT,
    close: () => emulator.stop(),
  };
});
